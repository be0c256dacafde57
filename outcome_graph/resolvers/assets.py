"""How an aligned thing (an asset) is named to clients, the same in both APIs (docs/behaviour.md §2.6, §5.1)."""

from __future__ import annotations

ASSIGNMENT_TYPES = ("assignment", "quiz")  # a classic quiz is an assignment in Canvas
# Canvas's class name of each asset type (contributing scores' associated_asset_type).
ASSET_TYPE_NAMES = {"assignment": "Assignment", "quiz": "Quizzes::Quiz", "rubric": "Rubric",
                    "discussion": "DiscussionTopic", "question_bank": "AssessmentQuestionBank"}


def asset_string(asset) -> str:
    """Canvas's asset string of an aligned thing, e.g. 'assignment_53' or 'assessment_question_bank_7'."""
    kind = "assessment_question_bank" if asset.type == "question_bank" else asset.type
    return f"{kind}_{asset.id}"
