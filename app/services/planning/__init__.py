"""Planning: records to the engine's problem, solving as a job, drafts, hand edits, publishing."""
