"""Attendance: half-day roll call, self check-in, sign-off and attendance sheets."""
