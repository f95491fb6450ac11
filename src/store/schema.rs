//! The portable schema shared by SQLite and PostgreSQL. Only the SQL types
//! that `diesel::MultiConnection` supports are used; timestamps are UTC.

diesel::table! {
    customers (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        customer_id -> Nullable<BigInt>,
        params -> Text,
        created_at -> Timestamp,
        family -> Text,
        visual_scope -> Text,
    }
}

diesel::table! {
    characteristics (id) {
        id -> BigInt,
        product_id -> BigInt,
        position -> Integer,
        code -> Text,
        name -> Text,
        unit -> Text,
        kind -> Text,
        nominal -> Nullable<Double>,
        lsl -> Nullable<Double>,
        usl -> Nullable<Double>,
        severity -> Text,
        quantity -> Nullable<Text>,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        customer_id -> BigInt,
        product_id -> BigInt,
        po_number -> Text,
        quantity -> BigInt,
        due_date -> Nullable<Text>,
        created_at -> Timestamp,
        warranty_months -> Integer,
    }
}

diesel::table! {
    batches (id) {
        id -> BigInt,
        order_id -> BigInt,
        number -> Integer,
        lot_size -> BigInt,
        line -> Nullable<Text>,
        production_date -> Nullable<Text>,
        created_at -> Timestamp,
        supplier_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sampling_plans (id) {
        id -> BigInt,
        batch_id -> BigInt,
        method -> Text,
        algorithm -> Text,
        seed -> BigInt,
        lot_size -> BigInt,
        sample_size -> BigInt,
        percent -> Nullable<Double>,
        aql -> Nullable<Double>,
        level -> Nullable<Text>,
        inspection -> Nullable<Text>,
        code_letter -> Nullable<Text>,
        plan_letter -> Nullable<Text>,
        accept -> Nullable<Integer>,
        reject -> Nullable<Integer>,
        created_at -> Timestamp,
        inspection_reason -> Nullable<Text>,
        counts -> Text,
    }
}

diesel::table! {
    sample_units (plan_id, position) {
        plan_id -> BigInt,
        position -> Integer,
        unit -> BigInt,
    }
}

diesel::table! {
    measurements (id) {
        id -> BigInt,
        uuid -> Nullable<Text>,
        batch_id -> BigInt,
        unit -> BigInt,
        characteristic_id -> BigInt,
        value -> Double,
        supersedes -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
        recorded_by -> Nullable<BigInt>,
        import_id -> Nullable<BigInt>,
        taken_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(products -> customers (customer_id));
diesel::joinable!(characteristics -> products (product_id));
diesel::joinable!(orders -> customers (customer_id));
diesel::joinable!(orders -> products (product_id));
diesel::joinable!(batches -> orders (order_id));
diesel::joinable!(sampling_plans -> batches (batch_id));
diesel::joinable!(sample_units -> sampling_plans (plan_id));
diesel::joinable!(measurements -> batches (batch_id));
diesel::joinable!(measurements -> characteristics (characteristic_id));

diesel::table! {
    issued_report_files (id) {
        id -> BigInt,
        report_id -> BigInt,
        language -> Text,
        sha256 -> Text,
        pdf -> Binary,
    }
}

diesel::joinable!(issued_report_files -> issued_reports (report_id));

diesel::allow_tables_to_appear_in_same_query!(
    customers,
    products,
    characteristics,
    orders,
    batches,
    sampling_plans,
    sample_units,
    measurements,
);

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        customer_id -> Nullable<BigInt>,
        disabled -> Bool,
        created_at -> Timestamp,
        language -> Nullable<Text>,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        kind -> Text,
        csrf_token -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        username -> Text,
        address -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        recorded_at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(users -> customers (customer_id));
diesel::joinable!(auth_tokens -> users (user_id));
diesel::joinable!(audit_log -> users (actor_id));

diesel::allow_tables_to_appear_in_same_query!(users, auth_tokens, customers);

diesel::table! {
    switching_events (id) {
        id -> BigInt,
        product_id -> BigInt,
        batch_id -> Nullable<BigInt>,
        accepted -> Nullable<Bool>,
        nonconforming_units -> Nullable<BigInt>,
        severity -> Text,
        reason -> Text,
        state -> Text,
        note -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        supplier_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    plan_classes (plan_id, severity) {
        plan_id -> BigInt,
        severity -> Text,
        aql -> Double,
        plan_letter -> Text,
        sample_size -> BigInt,
        accept -> Integer,
        reject -> Integer,
    }
}

diesel::table! {
    imports (id) {
        id -> BigInt,
        batch_id -> BigInt,
        sha256 -> Text,
        filename -> Text,
        instrument -> Nullable<Text>,
        rows_read -> BigInt,
        readings -> BigInt,
        imported_by -> Nullable<BigInt>,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    instrument_mappings (id) {
        id -> BigInt,
        instrument -> Text,
        product_id -> BigInt,
        unit_column -> Text,
        column_map -> Text,
        saved_by -> Nullable<BigInt>,
        saved_at -> Timestamp,
    }
}

diesel::joinable!(imports -> batches (batch_id));
diesel::joinable!(measurements -> imports (import_id));
diesel::joinable!(instrument_mappings -> products (product_id));

diesel::table! {
    defect_types (id) {
        id -> BigInt,
        family -> Text,
        code -> Text,
        name -> Text,
        severity -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    visual_inspections (id) {
        id -> BigInt,
        uuid -> Text,
        batch_id -> BigInt,
        unit -> BigInt,
        passed -> Bool,
        supersedes -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        taken_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    visual_defects (inspection_id, defect_type_id) {
        inspection_id -> BigInt,
        defect_type_id -> BigInt,
        severity -> Text,
        count -> Integer,
    }
}

diesel::table! {
    photos (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        sha256 -> Text,
        content_type -> Text,
        bytes -> Binary,
        thumbnail -> Binary,
        width -> Integer,
        height -> Integer,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(visual_defects -> visual_inspections (inspection_id));
diesel::joinable!(visual_defects -> defect_types (defect_type_id));
diesel::joinable!(photos -> visual_inspections (inspection_id));

diesel::table! {
    issued_reports (id) {
        id -> BigInt,
        order_id -> BigInt,
        number -> Text,
        revision -> Integer,
        sha256 -> Text,
        data_sha256 -> Text,
        changes -> Text,
        pdf -> Binary,
        issued_by -> Nullable<BigInt>,
        issued_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(
    visual_defects,
    defect_types,
    visual_inspections,
    photos
);
diesel::allow_tables_to_appear_in_same_query!(issued_reports, issued_report_files);

diesel::table! {
    suppliers (id) {
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dispositions (id) {
        id -> BigInt,
        batch_id -> BigInt,
        meaning -> Text,
        proposal -> Text,
        comment -> Text,
        data_sha256 -> Text,
        supersedes -> Nullable<BigInt>,
        signed_by -> BigInt,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    control_limit_phases (id) {
        id -> BigInt,
        product_id -> BigInt,
        characteristic -> Text,
        chart -> Text,
        first_batch_id -> BigInt,
        last_batch_id -> BigInt,
        frozen_by -> Nullable<BigInt>,
        frozen_at -> Timestamp,
    }
}

diesel::table! {
    derived_colours (batch_id, unit, x_measurement_id, y_measurement_id) {
        batch_id -> BigInt,
        unit -> BigInt,
        x_measurement_id -> BigInt,
        y_measurement_id -> BigInt,
        cct_k -> Double,
        duv -> Double,
        macadam_steps -> Nullable<Double>,
    }
}

diesel::table! {
    data_migrations (name) {
        name -> Text,
        applied_at -> Timestamp,
    }
}

diesel::table! {
    material_lots (id) {
        id -> BigInt,
        supplier_id -> BigInt,
        material -> Text,
        lot_number -> Text,
        quantity -> BigInt,
        received_on -> Text,
        certificate_required -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    material_documents (id) {
        id -> BigInt,
        material_lot_id -> BigInt,
        kind -> Text,
        file_name -> Text,
        content_type -> Text,
        sha256 -> Text,
        bytes -> Binary,
        issued_on -> Nullable<Text>,
        expires_on -> Nullable<Text>,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    material_inspections (id) {
        id -> BigInt,
        material_lot_id -> BigInt,
        aql -> Double,
        level -> Text,
        severity -> Text,
        counts -> Text,
        code_letter -> Text,
        sample_size -> BigInt,
        accept -> BigInt,
        reject -> BigInt,
        found -> BigInt,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    material_decisions (id) {
        id -> BigInt,
        material_lot_id -> BigInt,
        meaning -> Text,
        comment -> Text,
        supersedes -> Nullable<BigInt>,
        signed_by -> BigInt,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    batch_material_lots (id) {
        id -> BigInt,
        batch_id -> BigInt,
        material_lot_id -> BigInt,
        concession -> Nullable<Text>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    unit_serials (id) {
        id -> BigInt,
        batch_id -> BigInt,
        unit -> BigInt,
        serial -> Text,
    }
}

diesel::table! {
    ncrs (id) {
        id -> BigInt,
        order_id -> BigInt,
        batch_id -> Nullable<BigInt>,
        material_lot_id -> Nullable<BigInt>,
        source -> Text,
        description -> Text,
        serials -> Text,
        disposition -> Nullable<Text>,
        root_cause -> Nullable<Text>,
        effectiveness -> Nullable<Text>,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    ncr_actions (id) {
        id -> BigInt,
        ncr_id -> BigInt,
        description -> Text,
        owner -> Text,
        due_on -> Text,
        done_by -> Nullable<BigInt>,
        done_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shipment_inspections (id) {
        id -> BigInt,
        batch_id -> BigInt,
        cartons -> BigInt,
        units_per_carton -> BigInt,
        gross_weight_kg -> Double,
        weight_tolerance_kg -> Double,
        carton_volume_m3 -> Double,
        gtin -> Text,
        aql -> Double,
        code_letter -> Text,
        sample_size -> BigInt,
        accept -> BigInt,
        reject -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        seed -> Nullable<BigInt>,
    }
}

diesel::table! {
    carton_checks (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        carton -> BigInt,
        units_counted -> BigInt,
        gross_weight_kg -> Double,
        packaging -> Text,
        barcode -> Text,
        marks_po -> Text,
        marks_model -> Text,
        marks_quantity -> BigInt,
        findings -> Text,
        nonconformities -> BigInt,
        supersedes -> Nullable<BigInt>,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    receipt_checks (id) {
        id -> BigInt,
        batch_id -> BigInt,
        units_checked -> BigInt,
        accepted -> Bool,
        defects -> Text,
        note -> Text,
        checked_on -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    warranty_claims (id) {
        id -> BigInt,
        order_id -> BigInt,
        batch_id -> BigInt,
        serial -> Nullable<Text>,
        claim_date -> Text,
        description -> Text,
        within_warranty -> Bool,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(material_lots, material_inspections);

diesel::table! {
    receipt_photos (id) {
        id -> BigInt,
        receipt_check_id -> BigInt,
        sha256 -> Text,
        content_type -> Text,
        bytes -> Binary,
        thumbnail -> Binary,
        width -> Integer,
        height -> Integer,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(receipt_checks, receipt_photos);
