# lotcheck's pages in English. Every key here is in every other catalogue
# (i18n::tests checks it). Keys starting with `app-` are sent to the
# inspector app's script; their `{ $name }` arguments are filled in there.

## The page frame
skip-to-content = Skip to the content
nav-site = Site
nav-orders = Orders
nav-record = Record
sign-out = Sign out
language-switch = Language
role-admin = admin
role-lead = lead
role-inspector = inspector
role-customer = customer

## Signing in
sign-in-title = Sign in
sign-in-subtitle = Quality control: sampling plans, readings and reports.
username = Username
password = Password
sign-in-button = Sign in
verify-prompt = Received a QC report?
verify-link = Check that it is genuine
form-expired = This form has expired. Reload the page and try again.
sign-in-form-expired = This sign-in form has expired. Reload the page and try again.

## Orders
orders-none = No orders yet.
orders-po = PO number
orders-customer = Customer
orders-product = Product
orders-quantity = Quantity
orders-entered = Entered
orders-showing = Showing the newest { $shown } of { $total } orders.

## An order
order-po = PO { $po }
order-summary = { $quantity } units ordered · entered { $date }
qc-report = QC report
batch = Batch
batch-number = Batch { $number }
lot-size = Lot size
line = Line

## Errors
error-title = Something went wrong
back-to-start = Back to the start page

## The inspector's work list
record-title = Record
work-list-title = Batches to record
work-list-empty = Nothing to record: every batch with a sampling plan has its readings and visual inspection.
work-batch = PO { $po } · batch { $number }
work-lot = lot of { $lot }
work-line = line { $line }
work-readings = readings <strong>{ $done }</strong> of { $total } units
work-visual = visual <strong>{ $done }</strong> of { $total }

## A batch's entry page
back-to-work-list = ← Batches to record
entry-title = Batch { $number } · PO { $po }
entry-units-drawn = { $count } units drawn
scan-label = Scan or type a unit number
scan-placeholder = Unit no.
tab-unit = Unit by unit
tab-grid = Grid
tab-visual = Visual
tab-import = Import CSV
units-heading = Units
unit-order = Order of units
order-draw = Draw order
order-ascending = Ascending
no-plan-yet = No sampling plan is drawn for this batch yet; a lead draws it first.
template-summary = Characteristics and limits
template-characteristic = Characteristic
template-unit = Unit
template-kind = Kind
template-limits = Limits
kind-derived = computed from x, y
kind-attribute = pass / fail
kind-variable = reading
no-limits = no limits
batch-statistics-link = Statistics of this batch
status-send-now = Send now
attention-title = Entries the server refused
attention-help = Nothing below is lost: decide for each what to do.

## The inspector app's script
app-online = Online
app-offline = Offline: entries are kept on this tablet
app-pending = { $count } pending
app-pending-other-user = { $count } of another user, sent after their sign-in
app-waiting-on-tablet = entries waiting on this tablet: { $count }
app-sign-in-to-send = Sign in again to send what waits on this tablet.
app-refused = refused
app-pending-tag = pending
app-nothing = nothing
app-correction-reason = Reason for the correction
app-unit = Unit { $unit }
app-unit-heading = Unit
app-yours = yours
app-on-the-server = on the server
app-reason-required = A reason is required
app-record-mine-as-correction = Record mine as a correction
app-send-again = Send again
app-discard-mine = Discard mine
app-discard-confirm = Discard this entry? The server keeps its own value.
app-correction-label = Correction of unit { $unit } · { $characteristic }: { $value }
app-pass-fail = pass / fail
app-no-limits = no limits
app-colour-of-unit = Colour of this unit
app-cct = CCT (K)
app-macadam-steps = MacAdam steps
app-ansi-bin = ANSI C78.377 bin
app-outside-bins = outside the bins
app-loading = Loading…
app-history-offline = The history needs a connection.
app-corrected = Corrected { $name }
app-reason = Reason
app-reason-placeholder = Reason (required)
app-type-corrected-value = Type the corrected value.
app-say-why-value = Say why the value is corrected.
app-save-correction = Save correction
app-pass = Pass
app-fail = Fail
app-correct = Correct
app-history = History
app-not-a-number = not a number
app-outside-limits = outside the limits
app-within-limits = within the limits
app-value-not-number = A value is not a number; correct it first.
app-pick-unit = Pick a unit above, or scan one.
app-no-units = No units drawn yet.
app-all-recorded = all characteristics recorded
app-n-of-m-recorded = { $n } of { $m } recorded
app-next-unit = Next unit
app-save-next-unit = Save and next unit
app-grid-pass-fail = 0 = pass, 1 = fail
app-previous = ← Previous
app-next = Next →
app-units-range = Units { $first }–{ $last } of { $total }
app-grid-help = Enter or ↓ goes down, Tab or → across; recorded cells are corrected in the unit form.
app-tray-passed = A tray passed
app-tray-every-unit = Every unit from the first to the last passed.
app-tray-drawn-units = Every drawn unit from the first to the last passed.
app-first-unit = First unit
app-last-unit = Last unit
app-range-invalid = Give two unit numbers from 1 to { $lot }, the first not above the last.
app-range-label = Units { $first }–{ $last } passed
app-mark-passed = Mark these units passed
app-found = { $count } found
app-reason-for-correction = Reason (required for a correction)
app-correct-unit = Correct unit { $unit }
app-unit-with-defects = A unit with defects
app-tap-defects = Tap a defect once for each one found.
app-add-photo = Add photo
app-add-another-photo = Add another photo
app-photo-alt = photo { $name }
app-photo-of-unit = photo of unit { $unit }
app-photos = photos: { $count }
app-save-unit = Save unit
app-clear = Clear
app-visual-summary = { $done } of { $total } units inspected · { $failed } with defects
app-pending-on-tablet = { $count } pending on this tablet
app-units-with-defects = Units with defects
app-give-unit = Give the unit number (1 to { $lot }).
app-not-drawn = Unit { $unit } was not drawn for this batch.
app-say-why-inspection = Say why the inspection is corrected.
app-inspection-correction-label = Correction of unit { $unit }'s inspection
app-tap-defects-first = Tap the defects found (or mark the unit passed with a range).
app-no-saved-instrument = No saved instrument
app-new-instrument-placeholder = Name, to save this mapping for next time
app-column = Column { $header }
app-not-read = not read
app-choose-file = Choose the CSV file first.
app-import-needs-connection = Importing a file needs a connection and a signed-in session; nothing was sent.
app-import-dropped = The connection dropped; nothing was stored. Try again when online.
app-import-duplicate = This file was imported before ({ $file }); nothing new was stored.
app-import-stored = Stored { $readings } readings of { $rows } units from { $file }.
app-import-refused-rows = The file was refused: { $count } problem(s), below. Nothing was stored.
app-import-refused = { $detail } Nothing was stored.
app-line = Line
app-column-heading = Column
app-problem = Problem
app-import = Import
app-import-title = Import an instrument’s CSV
app-import-help = One row per unit: a unit column and one column per characteristic. All rows or none are stored; a bad row is named by line and column.
app-file = File
app-instrument = Instrument (its saved mapping is offered first)
app-new-instrument = Or a new instrument
app-unit-column = Unit column
app-cancel = Cancel
app-mark-n-passed = Mark units { $first }–{ $last } passed ({ $count })
