from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "liudong.voice"
    label = "voice"
    verbose_name = _("Members' voice")

    def ready(self) -> None:
        from liudong.core import audit
        from liudong.voice import models as m

        for model in (
            m.Department,
            m.DepartmentMembership,
            m.Suggestion,
            m.SuggestionAttachment,
            m.Notice,
            m.NoticeAttachment,
            m.FaqEntry,
            m.JobOpening,
            m.JobInterest,
        ):
            audit.register(model)
        # NoticeRead is not audited: a read mark names who read, which the publisher must
        # never learn (decision 139); the mark itself keeps the time.
