"""Every key the pages keep in a person's session, in one place, with the keys a login keeps."""

#: The address a link was just mailed to, shown on the "check your email" page.
SENT_TO = "sent_to"
#: A password-reset token moved out of the URL, so it cannot leak through the Referer header.
RESET_TOKEN = "reset_token"  # noqa: S105 (a session key name)
#: Why a mailed link did not work, for the page that says so.
LINK_PROBLEM = "link_problem"
#: An invitation token moved out of the URL; it may be opened before logging in.
INVITATION_TOKEN = "invitation_token"  # noqa: S105 (a session key name)
#: Why an invitation link did not work.
INVITATION_PROBLEM = "invitation_problem"
#: Stations found by a typed MAC (and its look-alikes), whose serial the installer confirms before starting.
MAC_FIND = "mac_find"

#: A login starts a fresh session; these keys survive it (an invitation opened before logging in).
KEPT_ACROSS_LOGIN = (INVITATION_TOKEN,)
