"""Tools shared by the tests and by lesson authors (`python -m tests.tools.new_lesson`)."""
