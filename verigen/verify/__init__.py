"""Verifiers: judge an attempt and return a ``Verdict``; they never raise for a wrong answer.

``verigen.verify.math`` decides whether a final math answer equals a reference (or agrees with
its siblings); the code verifier lives beside it. Verifiers know nothing about journals or
attempts, so a verifier fix re-verifies stored attempts without generating anything again.
"""
