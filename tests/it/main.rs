//! The integration tests, in one binary with its own harness
//! ([`harness`]): each test below is a trial, and each test written for
//! every backend two, `<name>_sqlite` and `<name>_postgres`. Every test
//! starts the real app on a fresh database of its own (see [`common`]).

mod common;
mod harness;

mod access;
mod admin_pages;
mod browser;
mod capability_api;
mod charts;
mod colorimetry_reference;
mod colour_characteristics;
mod control_charts;
mod corrections;
mod customer_pages;
mod demo_data;
mod dispositions;
mod draw_reference;
mod durability;
mod faults;
mod hostile;
mod imports;
mod inference_reference;
mod inspector_app;
mod iso2859_tables;
mod layers;
mod lead_pages;
mod measurements;
mod migrations;
mod oc_scipy;
mod openapi;
mod operations;
mod problems;
mod quality_pages;
mod reports;
mod sampling_api;
mod spine;
mod switching_api;
mod traceability;
mod visual;
mod web_session;
mod yields;

use harness::{Need, Tests};

/// What each Python oracle in `scripts/` imports.
const COLOUR_SCIENCE: Need = Need::Python(&["colour", "scipy"]);
const CRYPTOGRAPHY: Need = Need::Python(&["cryptography"]);
const OPENAPI_SPEC_VALIDATOR: Need = Need::Python(&["openapi_spec_validator"]);
const SCIPY: Need = Need::Python(&["scipy"]);
const STATSMODELS: Need = Need::Python(&["numpy", "scipy", "statsmodels"]);

/// Registers each test under its module path: `kind module::test [needs];`,
/// where the kind is `test` (a plain fn), `async_test` (an async fn) or
/// `each_backend` (an async fn taking the backend).
macro_rules! register {
    ($tests:ident: $($kind:ident $module:ident::$test:ident $([$($need:expr),+])?;)*) => {
        $($tests.$kind(
            concat!(stringify!($module), "::", stringify!($test)),
            $module::$test,
            &[$($($need),+)?],
        );)*
    };
}

fn main() -> std::process::ExitCode {
    let mut tests = Tests::default();
    register! { tests:
        test layers::layers_import_one_way_and_modules_form_no_cycle;
        each_backend access::every_route_with_every_role_follows_the_rules;
        each_backend access::repeated_failed_logins_are_slowed_then_refused_and_audited;
        each_backend access::passwords_are_never_returned_and_stored_only_hashed;
        async_test browser::customer_signs_in_sees_its_orders_and_signs_out [Need::Browser];
        async_test browser::a_lead_reads_a_batch_with_its_defects_and_their_photos [Need::Browser];
        async_test browser::a_lead_reads_the_report_in_the_browser_and_issues_it [Need::Browser];
        each_backend inspector_app::an_inspector_records_a_batch_online_and_offline [Need::Browser];
        each_backend inspector_app::an_inspector_works_in_chinese_and_switches_language [Need::Browser];
        each_backend admin_pages::an_admin_sets_up_users_customers_and_products [Need::Browser];
        each_backend admin_pages::an_admin_sets_up_in_chinese [Need::Browser];
        each_backend customer_pages::a_customer_reads_its_orders_and_downloads_the_report [Need::Browser];
        each_backend customer_pages::a_customer_reads_in_chinese [Need::Browser];
        each_backend lead_pages::a_lead_signs_a_decision_and_issues_the_report [Need::Browser];
        each_backend lead_pages::a_lead_signs_and_issues_in_chinese [Need::Browser];
        each_backend lead_pages::a_lead_reads_control_charts_and_freezes_limits [Need::Browser];
        each_backend capability_api::piston_rings_give_montgomerys_capability;
        each_backend capability_api::batch_statistics_carry_intervals_and_the_fraction_nonconforming;
        each_backend charts::control_chart_limits_and_points_sit_where_the_piston_rings_put_them;
        each_backend charts::histogram_bars_limits_and_fit_match_the_readings;
        each_backend charts::oc_curve_marks_the_risk_points_the_plan_states;
        async_test charts::chart_names_and_characteristics_are_checked;
        each_backend charts::chromaticity_units_and_target_sit_at_their_coordinates;
        each_backend charts::pareto_bars_count_the_defects_most_frequent_first;
        test colorimetry_reference::cct_and_duv_match_colour_science_from_1800_to_10000_kelvin [COLOUR_SCIENCE];
        test colorimetry_reference::quadrangle_edges_match_colour_science_corners [COLOUR_SCIENCE];
        test colorimetry_reference::printed_centres_and_corners_fall_in_their_quadrangles;
        each_backend colorimetry_reference::the_colorimetry_route_answers_for_a_point_and_refuses_non_colours;
        each_backend colour_characteristics::cct_duv_and_steps_are_derived_per_unit_and_described;
        each_backend colour_characteristics::colour_templates_are_checked;
        each_backend colour_characteristics::colours_are_stored_with_their_readings_and_read_from_there;
        each_backend colour_characteristics::a_pair_completed_between_check_and_store_is_checked_again;
        each_backend colour_characteristics::an_imported_file_s_colours_are_those_of_its_own_pairs;
        each_backend colour_characteristics::a_file_refused_after_chunks_of_it_were_stored_leaves_nothing;
        each_backend colour_characteristics::a_request_s_colours_are_those_of_its_own_pairs;
        each_backend control_charts::xbar_r_limits_match_the_published_example_and_a_shift_raises_alerts;
        each_backend corrections::a_correction_keeps_the_old_value_and_the_audit_log_complete;
        each_backend corrections::a_bad_correction_is_named_and_changes_nothing;
        each_backend corrections::audit_verify_finds_rows_altered_or_deleted_in_the_database;
        each_backend demo_data::demo_loads_with_every_page_populated;
        each_backend dispositions::a_lead_signs_a_disposition_once_and_changes_it_only_by_superseding;
        test draw_reference::python_reference_draws_the_same_units [CRYPTOGRAPHY];
        each_backend durability::acknowledged_readings_survive_sigkill;
        test migrations::the_readings_table_comes_through_its_rebuild_whole;
        each_backend faults::sigkill_during_an_import_stores_none_of_it_and_leaves_no_lock;
        async_test faults::an_unreachable_postgres_answers_503_and_recovers_without_a_restart [Need::Postgres];
        async_test faults::two_instances_on_one_postgres_let_one_of_two_racing_requests_win [Need::Postgres];
        each_backend faults::a_panic_inside_a_transaction_leaves_no_transaction_open;
        each_backend hostile::control_characters_in_text_are_refused_naming_the_field;
        each_backend hostile::charts_and_reports_render_with_control_characters_stored;
        each_backend hostile::control_characters_in_filters_and_sign_in_names_are_refused;
        each_backend hostile::csv_text_cells_cannot_start_a_formula;
        each_backend hostile::the_last_active_admin_stays_and_users_are_enabled_again;
        each_backend hostile::wrong_signature_passwords_count_as_failed_sign_ins;
        each_backend hostile::a_photo_of_too_many_pixels_is_refused_before_decoding;
        each_backend hostile::implausible_readings_are_refused_where_they_enter;
        each_backend hostile::readings_stored_beyond_the_range_leave_every_route_answering;
        each_backend hostile::import_problems_stay_short_however_long_the_input;
        each_backend hostile::lots_and_drawn_samples_are_bounded;
        async_test hostile::hostile_inputs_leave_the_server_small;
        each_backend imports::a_valid_export_imports_once_whatever_its_line_endings_bom_or_delimiter;
        each_backend imports::a_malformed_file_is_refused_by_line_and_column_and_stores_nothing;
        each_backend imports::every_imported_reading_is_stored_as_the_file_wrote_it;
        each_backend imports::mappings_are_saved_per_instrument_and_the_cli_imports_too;
        test inference_reference::intervals_and_normality_match_scipy_and_statsmodels [STATSMODELS];
        test iso2859_tables::every_master_table_cell_matches_the_published_copy;
        test iso2859_tables::code_letters_match_the_published_copy;
        test iso2859_tables::an_arrow_takes_its_plan_whole;
        async_test iso2859_tables::every_master_table_cell_answers_through_the_lookup_route;
        each_backend measurements::a_bad_item_is_named_and_nothing_is_stored;
        each_backend measurements::a_retry_with_the_same_ids_stores_nothing_twice_and_answers_the_same;
        each_backend measurements::a_recording_answers_each_reading_as_it_is_stored;
        each_backend measurements::readings_need_a_plan_and_an_existing_batch;
        each_backend measurements::many_readings_in_one_request;
        each_backend measurements::every_reading_of_a_large_request_is_stored_as_sent;
        test oc_scipy::acceptance_probabilities_and_risk_points_match_scipy [SCIPY];
        test oc_scipy::plans_counting_nonconformities_match_scipy [SCIPY];
        async_test openapi::the_document_validates [OPENAPI_SPEC_VALIDATOR];
        each_backend operations::metrics_count_requests_by_route_pattern_and_read_the_database;
        async_test operations::metrics_need_the_token_when_one_is_set;
        each_backend operations::readyz_answers_for_the_database_and_its_migrations;
        each_backend operations::a_request_in_flight_completes_during_a_graceful_stop;
        async_test operations::sigterm_turns_readyz_503_then_finishes_requests_in_flight_and_logs_them;
        each_backend operations::backup_while_writing_gives_a_consistent_copy;
        async_test operations::request_ids_are_kept_when_sane_and_made_otherwise;
        each_backend operations::forwarded_addresses_are_believed_only_from_trusted_proxies;
        async_test operations::secure_cookies_follow_only_trusted_proxies;
        each_backend operations::every_429_says_when_to_retry;
        async_test operations::frames_are_refused_and_slow_clients_are_cut_off;
        async_test problems::framework_errors_are_problem_json;
        each_backend problems::validation_names_every_offending_field;
        async_test problems::health_and_openapi;
        async_test problems::problems_speak_the_language_asked_for;
        async_test problems::refused_readings_are_explained_in_the_language_asked_for;
        each_backend reports::an_issued_report_reads_right_is_stable_and_verifiable_and_revisions_say_what_changed [Need::Poppler];
        each_backend reports::a_chinese_report_reads_in_chinese_with_its_fonts_embedded_and_subset [Need::Poppler];
        each_backend reports::the_csv_holds_every_reading_once_with_corrections_applied;
        each_backend reports::a_batch_larger_than_a_page_of_the_csv_is_exported_whole;
        each_backend reports::the_csv_s_later_pages_leave_out_what_was_recorded_after_the_export_began;
        each_backend reports::an_issued_report_names_the_page_where_it_is_checked [Need::Poppler];
        async_test reports::a_large_order_paginates_cleanly [Need::Poppler];
        each_backend reports::the_results_tables_hold_every_value_as_the_api_gives_it [Need::Poppler];
        each_backend reports::the_report_reads_each_batch_s_readings_once;
        async_test sampling_api::iso2859_lookup_follows_the_tables;
        async_test sampling_api::oc_curve_answers_points_and_risks;
        each_backend sampling_api::batch_plans_by_iso2859_and_the_risk_of_ten_percent;
        each_backend sampling_api::plans_by_class_of_nonconformity;
        each_backend sampling_api::plans_counting_nonconformities_judge_the_lot_by_their_total;
        each_backend spine::spine_gives_the_same_units_and_statistics_on_every_backend;
        each_backend spine::a_batch_has_one_plan_and_percent_rounds_up;
        each_backend switching_api::lots_switch_inspection_and_the_plan_says_why;
        each_backend traceability::a_material_lot_is_traced_from_receipt_to_a_closed_claim [Need::Poppler];
        each_backend traceability::material_lots_switch_per_supplier_and_material;
        each_backend quality_pages::a_lot_a_carton_and_a_claim_go_through_the_pages [Need::Browser];
        each_backend switching_api::incoming_lots_switch_per_supplier;
        each_backend visual::every_unit_is_inspected_and_summed_up_in_pareto_order;
        each_backend visual::a_sampled_visual_inspection_covers_only_the_plan;
        each_backend visual::photos_are_checked_stored_once_and_served_only_as_images;
        each_backend visual::a_range_of_units_is_marked_passed_in_one_request;
        each_backend web_session::sign_in_sign_out_with_csrf_protection;
        each_backend yields::first_pass_and_final_yields_per_batch_and_line;
    }
    tests.run()
}
