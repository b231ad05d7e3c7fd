"""Error codes of reporting: the problems of a row, a file or a workbook (`imports.problem`).

The messages are the ones the import has always shown (the catalogue's msgids); their parameters
are the problem's `params` plus `value`, `column` (in the reader's language) and `activity` (its
name): `imports.message(problem, lang)`."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class ReportingError(ErrorCode):
    MISSING_COLUMN = 'missing_column', _('The column “%(name)s” is missing from the header row.')
    OLD_TEMPLATE = 'old_template', _(
        'This workbook is version %(found)s of the template; the current version is %(current)s. '
        'Download the current template and copy your rows into it.')
    NOT_TEMPLATE = 'not_template', _('This workbook is not an EcoTown reporting template.')
    WRONG_KIND = 'wrong_kind', _(
        'This workbook is the template for “%(found)s”, not for “%(kind)s”: upload it there, or '
        'download the template for “%(kind)s”.')
    UNKNOWN_KIND = 'unknown_kind', _('Unknown kind of data “%(value)s”.')
    EMPTY_VALUE = 'empty_value', _('“%(column)s” is empty.')
    EMPTY_PRODUCT = 'empty_product', _('The product is empty.')
    UNKNOWN_PRODUCT = 'unknown_product', _(
        "Unknown product “%(value)s”: use one of the organisation's products (%(products)s).")
    NO_PRODUCTS = 'no_products', _(
        "The organisation has no products yet: add them on the organisation's page first.")
    NOT_WHOLE_NUMBER = 'not_whole_number', _('“%(value)s” is not a whole number.')
    NEGATIVE_NUMBER = 'negative_number', _('The number cannot be negative.')
    UNREADABLE = 'unreadable', _('The file could not be read as Excel (.xlsx) or CSV.')
    EMPTY_FILE = 'empty_file', _('The file has no data rows.')
    DUPLICATE_FILE = 'duplicate_file', _(
        'This file was already imported on %(when)s (import %(batch)s). Nothing was changed.')
    UNKNOWN_ACTIVITY = 'unknown_activity', _(
        'Unknown activity “%(value)s”: use a code from the activity list (sheet “lists”).')
    EMPTY_ACTIVITY = 'empty_activity', _('The activity is empty.')
    UNKNOWN_UNIT = 'unknown_unit', _('Unknown unit “%(value)s”: use one of %(units)s.')
    EMPTY_UNIT = 'empty_unit', _('The unit is empty: use one of %(units)s.')
    WRONG_DIMENSION = 'wrong_dimension', _('The unit “%(value)s” cannot be used for %(activity)s — use %(units)s.')
    UNKNOWN_DATA_SOURCE = 'unknown_data_source', _(
        'Unknown data source “%(value)s”: use meter, invoice or estimate (or leave it empty).')
    EMPTY_QUANTITY = 'empty_quantity', _('The quantity is empty.')
    NOT_NUMBER = 'not_number', _('“%(value)s” is not a number.')
    NEGATIVE = 'negative', _('The quantity cannot be negative.')
    TOO_LARGE = 'too_large', _('The quantity is too large.')
    BAD_DATE = 'bad_date', _('“%(value)s” is not a date: write 2026-03-31, 31/3/2026 or 31/3/2569.')
    EMPTY_DATE = 'empty_date', _('The period start is empty.')
    END_NEEDED = 'end_needed', _(
        'Give the period end (a period starting on another day than the 1st is not a whole month).')
    END_BEFORE_START = 'end_before_start', _('The period ends (%(end)s) before it starts (%(start)s).')
    FUTURE = 'future', _('The period ends in the future (%(end)s): report it after it has ended.')
    ORG_UNKNOWN = 'org_unknown', _('Unknown organisation “%(value)s”.')
    ORG_FORBIDDEN = 'org_forbidden', _('You may not report for “%(value)s”.')
    OVERLAP_FILE = 'overlap_file', _('The period overlaps row %(other)s (same organisation, activity and meter).')
    OVERLAP_SERIES = 'overlap_series', _('The period overlaps row %(other)s (same organisation and series).')
    OVERLAP_EXISTING = 'overlap_existing', _(
        'The period overlaps a record already reported (%(start)s to %(end)s, %(state)s). Choose '
        '“replace” to put this row in its place (the old version is kept).')
    LOCKED_NEEDS_REASON = 'locked_needs_reason', _(
        'The record this row replaces is locked: give a reason for the change.')
    # the review, versions and calendar of reported records (services), and the reporting pages
    OLD_VERSION = 'old_version', _('This is an old version; change the current one.')
    LOCKED_RECORD_NEEDS_REASON = 'locked_record_needs_reason', _('The record is locked: give a reason for the change.')
    BAD_YEAR = 'bad_year', _('Give a year between 2000 and 2100.')
    DEADLINE_IN_MONTH = 'deadline_in_month', _('The deadline must be after the end of the month.')
    NO_FILE = 'no_file', _('Choose a file.')
