"""Models of the inspections room: checklists, inspections, findings and penalties, random draws."""

from inspections.models.checklists import ChecklistItem, ChecklistTemplate  # noqa: F401
from inspections.models.draws import DrawAssignment, RandomDraw  # noqa: F401
from inspections.models.findings import (  # noqa: F401
    FINE_CAP,
    GRADES,
    Escalation,
    Finding,
    FindingEvent,
    Penalty,
    Rectification,
    RectificationFile,
)
from inspections.models.inspections import (  # noqa: F401
    Inspection,
    InspectionEvent,
    InspectionPhoto,
    InspectionResult,
    Signature,
)
