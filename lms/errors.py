"""The error a learning rule raises when it says no."""


class LearningError(Exception):
    """A rule refused; `message` is translated and can be shown to the learner as it is."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        #: The HTTP status a view answers with.
        self.status = status
