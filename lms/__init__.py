"""A self-contained learning platform: courses, progress, quizzes and certificates.

It knows nothing about installers or stations. Other code imports only `lms.api` and
listens to `lms.signals`.
"""
