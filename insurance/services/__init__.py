"""Writes of the insurance room. Policies and rating schemes live in policies.py."""

from insurance.services.policies import *  # noqa: F401,F403
