"""Practice mode: answer a bank question, see which key points you covered, come back when it is due.

Typical use::

    from .. import load_config
    from . import Practice
    practice = Practice(load_config())
    question, why = practice.pick()                  # the next due question
    result = practice.submit(question.question_id, "我理解AIGC是……", seconds=95)
    print(result.feedback.coverage, [p.status for p in result.feedback.points], result.due)
"""

from .delivery import Delivery
from .errors import HistoryError, PracticeInputError
from .history import Attempt, History, Progress
from .keypoints import KeyPoint, Reference, reference_of
from .schedule import ReviewSchedule, next_question, rating_for
from .scoring import Feedback, PointResult, Scorer, Thresholds
from .session import Practice, Submission

__all__ = [
    "Attempt",
    "Delivery",
    "Feedback",
    "History",
    "HistoryError",
    "KeyPoint",
    "PointResult",
    "Practice",
    "PracticeInputError",
    "Progress",
    "Reference",
    "ReviewSchedule",
    "Scorer",
    "Submission",
    "Thresholds",
    "next_question",
    "rating_for",
    "reference_of",
]
