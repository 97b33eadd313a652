"""The generate stage: turn topics into problems and problems into candidate solutions.

Each function here builds requests and parses replies; none of them sends anything. Sending,
retrying and paying is ``verigen.llm``'s job, and storing is the journal's, so these stay small,
pure and testable without a network.
"""
