"""Record linkage in the workspace: each agency's records of a person, resolved people,
the clerical review queue and how a person was linked (issue #13)."""
