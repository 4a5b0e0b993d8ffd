"""Grading engine for the course's exercises.

The trust model (see ``autograde.spec`` and the repository's DESIGN notes): student code runs
only in a sandboxed child process; reference solutions and hidden checks stay in the grader
process; only plain data crosses the boundary; the grader compares and scores.
"""
