"""Information governance: the audit viewer and subject-access bundles for IG leads.

Reads the audit log (``saferleeds.audit``) and the casework apps; kept out of ``audit``
so the log itself builds on no app.
"""
