"""The creditor console: a server-rendered web application over the robot's store (issue 12).

:func:`robot.web.app.create_app` builds it; every module of :mod:`robot.web.pages` is a page with
its ``router``, its read queries in :mod:`robot.web.reads`. ``fakturarobot web`` serves it.
"""
