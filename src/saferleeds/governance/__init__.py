"""The partnership's plan: shared priorities, outcomes, deliverables and their boards.

Plan items hold no personal data, so the app declares no record kinds: every signed-in
partnership user reads the plan, and only the lead agency's people update a
deliverable's RAG status (:mod:`saferleeds.governance.rules`).
"""
