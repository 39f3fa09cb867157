"""The pure calling-policy domain: no I/O, no clock reads. Time is always a parameter."""
