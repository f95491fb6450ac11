//! Sampling calculators: ISO 2859-1 plan lookup and OC curves with the
//! risks they imply. Pure answers from `domain`, shaped for clients.

use crate::domain::message::Message;
use crate::domain::sampling::iso2859::{single_plan, Aql, Inspection, Level, SinglePlan};
use crate::domain::sampling::oc::{default_grid, risk_of, AttributePlan, Counts, Model, Risk};
use crate::domain::sampling::LotSize;
use crate::error::{AppError, AppResult, OrInternal, Violations};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Iso2859Answer {
    pub lot_size: u32,
    pub aql: f64,
    pub level: Level,
    pub inspection: Inspection,
    /// The printed table the plan comes from.
    pub table: &'static str,
    /// What the sample's count is of: nonconforming units, or
    /// nonconformities (AQLs above 10 count only those, per 100 units).
    pub counts: Counts,
    #[serde(flatten)]
    pub plan: SinglePlan,
    pub risk: Risk,
}

/// Parses the ISO 2859-1 inputs, reporting every bad one by name.
pub fn iso_inputs(
    aql: Option<f64>,
    level: Option<&str>,
    inspection: Option<&str>,
    problems: &mut Violations,
) -> Option<(Aql, Level, Inspection)> {
    let aql = match aql.map(Aql::parse) {
        Some(Ok(aql)) => Some(aql),
        Some(Err(m)) => {
            problems.add("aql", m);
            None
        }
        None => {
            problems.add("aql", Message::new("err-aql-required"));
            None
        }
    };
    let level = level
        .map_or(Ok(Level::II), Level::parse)
        .map_err(|m| problems.add("level", m))
        .ok();
    let inspection = inspection
        .map_or(Ok(Inspection::Normal), Inspection::parse)
        .map_err(|m| problems.add("inspection", m))
        .ok();
    Some((aql?, level?, inspection?))
}

/// AQLs above this are nonconformities per 100 units only (ANSI/ASQ
/// Z1.4-2003 and ISO 2859-1:1999 on the acceptance quality limit).
pub const HIGHEST_PERCENT_NONCONFORMING_AQL: f64 = 10.0;

/// What a plan at `aql` counts: `asked` when it may, nonconformities for
/// an AQL above 10 whatever is asked (asking for units is refused).
pub fn counts_for(aql: Aql, asked: Option<&str>) -> Result<Counts, Message> {
    let above_ten = aql.value() > HIGHEST_PERCENT_NONCONFORMING_AQL;
    match asked.map(Counts::parse).transpose()? {
        Some(Counts::NonconformingUnits) if above_ten => {
            Err(Message::new("err-aql-counts-nonconformities").arg("aql", aql.value()))
        }
        Some(counts) => Ok(counts),
        None if above_ten => Ok(Counts::Nonconformities),
        None => Ok(Counts::NonconformingUnits),
    }
}

pub fn iso2859_plan(
    lot_size: i64,
    aql: Option<f64>,
    level: Option<&str>,
    inspection: Option<&str>,
    counts: Option<&str>,
) -> AppResult<Iso2859Answer> {
    let mut problems = Violations::default();
    let lot = LotSize::parse(lot_size)
        .map_err(|m| problems.add("lot_size", m))
        .ok();
    let inputs = iso_inputs(aql, level, inspection, &mut problems);
    let counts = inputs.and_then(|(aql, _, _)| {
        counts_for(aql, counts)
            .map_err(|m| problems.add("counts", m))
            .ok()
    });
    problems.into_result()?;
    let (lot, ((aql, level, inspection), counts)) = lot
        .zip(inputs.zip(counts))
        .or_internal("valid inputs give a plan")?;
    let plan = single_plan(lot.get(), aql, level, inspection);
    let attribute = AttributePlan::counting(
        counts,
        lot.get().into(),
        plan.sample_size.into(),
        plan.accept.into(),
    )
    .map_err(|(field, m)| AppError::invalid(field, m))?;
    Ok(Iso2859Answer {
        lot_size: lot.get(),
        aql: aql.value(),
        level,
        inspection,
        table: inspection.table(),
        counts,
        plan,
        risk: risk_of(&attribute, Model::Hypergeometric),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcPoint {
    /// Lot fraction nonconforming.
    pub p: f64,
    /// Probability of acceptance.
    pub pa: f64,
    /// Average outgoing quality under rectifying inspection.
    pub aoq: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OcCurve {
    pub model: Model,
    pub lot_size: u64,
    pub sample_size: u64,
    pub accept: u64,
    pub points: Vec<OcPoint>,
    pub producer_risk_point: f64,
    pub consumer_risk_point: f64,
    pub aoql: f64,
    pub aoql_at: f64,
}

/// Parses `p=0.01,0.05,…` (fractions in 0..=1).
pub fn parse_fractions(text: &str) -> Result<Vec<f64>, Message> {
    let values: Result<Vec<f64>, _> = text.split(',').map(|v| v.trim().parse::<f64>()).collect();
    match values {
        Ok(values)
            if !values.is_empty()
                && values.len() <= 1000
                && values.iter().all(|p| (0.0..=1.0).contains(p)) =>
        {
            Ok(values)
        }
        _ => Err(Message::new("err-fractions")),
    }
}

pub fn oc_curve(
    lot_size: i64,
    sample_size: i64,
    accept: i64,
    p: Option<&str>,
    model: Option<&str>,
) -> AppResult<OcCurve> {
    let mut problems = Violations::default();
    let ps = p
        .map_or_else(|| Ok(default_grid()), parse_fractions)
        .map_err(|m| problems.add("p", m))
        .ok();
    let model = model
        .map_or(Ok(Model::Hypergeometric), Model::parse)
        .map_err(|m| problems.add("model", m))
        .ok();
    for (field, value) in [
        ("lot_size", lot_size),
        ("sample_size", sample_size),
        ("accept", accept),
    ] {
        if value < 0 || value > i64::from(LotSize::MAX) {
            problems.add(
                field,
                Message::new("err-integer-between")
                    .arg("min", 0)
                    .arg("max", LotSize::MAX),
            );
        }
    }
    problems.into_result()?;
    let plan = AttributePlan::new(lot_size as u64, sample_size as u64, accept as u64)
        .map_err(|(field, m)| AppError::invalid(field, m))?;
    let (ps, model) = ps.zip(model).or_internal("valid inputs give a curve")?;
    let risk = risk_of(&plan, model);
    Ok(OcCurve {
        model,
        lot_size: plan.lot_size,
        sample_size: plan.sample_size,
        accept: plan.accept,
        points: ps
            .iter()
            .map(|&p| OcPoint {
                p,
                pa: plan.pa(p, model),
                aoq: plan.aoq(p, model),
            })
            .collect(),
        producer_risk_point: risk.producer_risk_point,
        consumer_risk_point: risk.consumer_risk_point,
        aoql: risk.aoql,
        aoql_at: risk.aoql_at,
    })
}
