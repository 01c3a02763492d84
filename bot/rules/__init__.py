"""Pure rules: points, question choice, turns, schedules, scores, reading helpers.

Nothing here imports discord or runs SQL; times are passed in, never read.
"""
