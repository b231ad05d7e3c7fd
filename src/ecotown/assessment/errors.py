"""Error codes of assessments against criteria frameworks.

Problems found in a framework file or in values by the calculator (`ecotown.calc.framework`,
`ecotown.calc.scoring`) keep the calculator's own codes (CalcError)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class AssessmentError(ErrorCode):
    VERSION_PUBLISHED_FIXED = "version_published_fixed", _(
        "Version %(version)s of %(framework)s is already published and cannot be changed: give the new file "
        "another version.")
    FILE_EMPTY = "file_empty", _("The file is empty.")
    APPLIES_TO_FIXED = "applies_to_fixed", _(
        "applies_to: framework %(framework)s applies to %(kind)s; a new version cannot change that.")
    UNKNOWN_INDICATOR = "unknown_indicator", _("Unknown indicator %(id)s.")
    VERSION_EXISTS = "version_exists", _("This version already exists.")
    VERSION_NOT_PUBLISHED = "version_not_published", _(
        "Only a published framework version can be used for an assessment.")
    WRONG_ORGANISATION_KIND = "wrong_organisation_kind", _(
        "This framework applies to %(kind)s organisations, not to %(org_kind)s.")
    SCENARIO_INVALID = "scenario_invalid", _("Choose current or intended performance.")
    YEAR_OUT_OF_RANGE = "year_out_of_range", _("Enter a year between 2000 and 2100.")
    OTHER_FRAMEWORK = "other_framework", _("Choose a version of the same framework.")
