"""A run: fetch → store → process → outcomes → notices; its report, the worker processes,
alerts and the health of the robot.
"""
