"""Application services: the flows of live quizzes, debates and schedule runs.

A service decides what happens when, in which transaction, and which timer comes next. It calls
the pure rules (:mod:`bot.rules`), the store (:mod:`bot.store`) and the timers
(:mod:`bot.timers`), and reaches Discord only through an output port
(:mod:`bot.services.ports`) that a cog supplies. Nothing here imports discord, so a whole flow
runs in a test with a real database, a fake clock and an output that records.
"""
