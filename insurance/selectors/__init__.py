"""Reads of the insurance room. Policies, schemes and coverage live in policies.py."""

from insurance.selectors.policies import *  # noqa: F401,F403
