"""Models of the insurance room: insurers, rating schemes and policies (policies.py)."""

from insurance.models.policies import (  # noqa: F401
    MONEY,
    ZERO,
    Broker,
    CoInsurance,
    CoverageSection,
    FundingShare,
    Insurer,
    Policy,
    PolicyDocument,
    PolicyEvent,
    RatingScheme,
    SchemeSection,
    SectionLimits,
    in_force_q,
    in_section_order,
    policy_document_path,
)
