"""The feed and coach server: a Starlette app (``app``) run by uvicorn (``runner``).

Import the submodules directly; this package imports nothing heavy so that
``walkrun feed-url`` stays quick.
"""
