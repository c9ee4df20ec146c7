"""Events the learning platform announces; the application listens (Open edX's signals + api pattern).

Receivers run inside the transaction of the change, so what they write commits with it.
"""

from blinker import Namespace

_signals = Namespace()

#: sender: the Enrollment; kwargs: attempt. A learner passed a course's final quiz.
course_completed = _signals.signal("course-completed")
#: sender: the new Certificate; kwargs: previous (the learner's earlier certificate for the course, or None).
certificate_issued = _signals.signal("certificate-issued")
#: sender: the Certificate; kwargs: days_left (60 or 14). Sent once per certificate and reminder.
certificate_expiring = _signals.signal("certificate-expiring")
#: sender: the Certificate; kwargs: revocation.
certificate_revoked = _signals.signal("certificate-revoked")
