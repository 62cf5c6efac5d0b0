//! The `Condition` element: the request's condition keys ([`ConditionContext`]), the condition
//! operators of IAM with their `...IfExists` and `ForAnyValue:`/`ForAllValues:` forms, and how
//! a block of them is evaluated. Follows "IAM JSON policy elements: Condition operators"
//! (reference_policies_elements_condition_operators.html) and "Set operators for multivalued
//! context keys" (reference_policies_condition-single-vs-multi-valued-context-keys.html).

use std::collections::HashMap;
use std::net::IpAddr;

use base64::Engine as _;
use serde_json::Value;

use super::pattern::{wildcard_match, Elem, Pattern, Template, Vars};
use super::{actions, malformed, syntax_error};
use crate::error::S3Error;

/// Values of condition keys for one request. Key names are case-insensitive (stored
/// lowercased), except the part after a '/' (tag keys in `s3:ExistingObjectTag/<key>`,
/// `s3:RequestObjectTag/<key>`), which is case-sensitive.
#[derive(Debug, Clone, Default)]
pub struct ConditionContext {
    values: HashMap<String, Vec<String>>,
}

impl ConditionContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.insert(normalize_key(key), vec![value.into()]);
    }

    /// Sets a multivalued key (e.g. `s3:RequestObjectTagKeys`).
    pub fn set_many(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(normalize_key(key), values);
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        let found = match self.values.get(key) {
            Some(found) => Some(found),
            None if needs_normalizing(key) => self.values.get(&normalize_key(key)),
            None => None,
        };
        found.map(Vec::as_slice)
    }
}

/// A key as stored: lowercase up to the first `/`, the rest (a tag key) as given.
pub(super) fn normalize_key(key: &str) -> String {
    match key.split_once('/') {
        Some((name, rest)) => format!("{}/{rest}", name.to_ascii_lowercase()),
        None => key.to_ascii_lowercase(),
    }
}

fn needs_normalizing(key: &str) -> bool {
    let name = key.split('/').next().unwrap_or(key);
    name.bytes().any(|b| b.is_ascii_uppercase())
}

/// Which values of a multivalued key must satisfy the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SetQualifier {
    /// No qualifier: a single-valued comparison (for several request values, any must match
    /// a positive operator and none may match a negated one).
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compare {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Compare {
    fn holds(self, request: f64, policy: f64) -> bool {
        match self {
            Compare::Equals => request == policy,
            Compare::LessThan => request < policy,
            Compare::LessThanEquals => request <= policy,
            Compare::GreaterThan => request > policy,
            Compare::GreaterThanEquals => request >= policy,
        }
    }
}

/// The family of an operator, its positive form (the `Not` forms set `negated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Compare),
    Date(Compare),
    Bool,
    BinaryEquals,
    IpAddress,
    Arn,
    Null,
}

/// A parsed operator name such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Operator {
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub set: SetQualifier,
}

impl Operator {
    /// The operator a name denotes (compared without regard to case), or `None`.
    pub fn parse(name: &str) -> Option<Operator> {
        let lower = name.to_ascii_lowercase();
        let (set, rest) = if let Some(rest) = lower.strip_prefix("foranyvalue:") {
            (SetQualifier::ForAnyValue, rest)
        } else if let Some(rest) = lower.strip_prefix("forallvalues:") {
            (SetQualifier::ForAllValues, rest)
        } else {
            (SetQualifier::Single, lower.as_str())
        };
        let (if_exists, base) = match rest.strip_suffix("ifexists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        use Compare::*;
        let (family, negated) = match base {
            "stringequals" => (Family::StringEquals, false),
            "stringnotequals" => (Family::StringEquals, true),
            "stringequalsignorecase" => (Family::StringEqualsIgnoreCase, false),
            "stringnotequalsignorecase" => (Family::StringEqualsIgnoreCase, true),
            "stringlike" => (Family::StringLike, false),
            "stringnotlike" => (Family::StringLike, true),
            "numericequals" => (Family::Numeric(Equals), false),
            "numericnotequals" => (Family::Numeric(Equals), true),
            "numericlessthan" => (Family::Numeric(LessThan), false),
            "numericlessthanequals" => (Family::Numeric(LessThanEquals), false),
            "numericgreaterthan" => (Family::Numeric(GreaterThan), false),
            "numericgreaterthanequals" => (Family::Numeric(GreaterThanEquals), false),
            "dateequals" => (Family::Date(Equals), false),
            "datenotequals" => (Family::Date(Equals), true),
            "datelessthan" => (Family::Date(LessThan), false),
            "datelessthanequals" => (Family::Date(LessThanEquals), false),
            "dategreaterthan" => (Family::Date(GreaterThan), false),
            "dategreaterthanequals" => (Family::Date(GreaterThanEquals), false),
            "bool" => (Family::Bool, false),
            "binaryequals" => (Family::BinaryEquals, false),
            "ipaddress" => (Family::IpAddress, false),
            "notipaddress" => (Family::IpAddress, true),
            "arnequals" | "arnlike" => (Family::Arn, false),
            "arnnotequals" | "arnnotlike" => (Family::Arn, true),
            // "You can add IfExists to the end of any condition operator name except the Null
            // condition".
            "null" if !if_exists => (Family::Null, false),
            _ => return None,
        };
        Some(Operator {
            family,
            negated,
            if_exists,
            set,
        })
    }
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cidr {
    pub address: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `203.0.113.0/24`, `2001:DB8::/32`, or an address alone (all of its bits).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { address, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(addr) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(addr) & mask
            }
            _ => false,
        }
    }
}

/// The policy's values for one key, compiled for the operator's family.
#[derive(Debug, Clone)]
pub(super) enum Values {
    Strings(Vec<Template>),
    Patterns(Vec<Pattern>),
    /// Numbers and dates (as epoch seconds); `None` for a value that does not parse.
    Numbers(Vec<Option<f64>>),
    Bools(Vec<Option<bool>>),
    Bytes(Vec<Option<Vec<u8>>>),
    Cidrs(Vec<Cidr>),
    /// `true` in a `Null` condition: the key must be absent.
    Null(Vec<bool>),
}

/// One operator applied to one key.
#[derive(Debug, Clone)]
pub(super) struct Condition {
    pub operator: Operator,
    /// Normalized as [`ConditionContext`] stores keys.
    pub key: String,
    pub values: Values,
}

/// Parses a statement's `Condition` element: operator → key → value or values.
pub(super) fn parse_block(value: &Value, variables: bool) -> Result<Vec<Condition>, S3Error> {
    let Value::Object(operators) = value else {
        return Err(syntax_error());
    };
    let mut conditions = Vec::new();
    for (name, keys) in operators {
        let operator = Operator::parse(name)
            .ok_or_else(|| malformed(format!("Invalid Condition type : {name}")))?;
        let Value::Object(keys) = keys else {
            return Err(syntax_error());
        };
        for (key, values) in keys {
            let key = normalize_key(key);
            check_key(&key)?;
            let texts = scalars(values)?;
            conditions.push(Condition {
                operator,
                key,
                values: compile_values(operator.family, &texts, variables)?,
            });
        }
    }
    Ok(conditions)
}

/// Global `aws:` keys are all accepted (AWS adds to them); S3's own keys must be on the page.
fn check_key(key: &str) -> Result<(), S3Error> {
    let known = match key.strip_prefix("aws:") {
        Some(rest) => !rest.is_empty(),
        None => key.starts_with("s3:") && actions::is_known_s3_key(key),
    };
    if known {
        Ok(())
    } else {
        Err(malformed("Policy has an invalid condition key"))
    }
}

/// A condition value: a string, number or boolean, or an array of them, read as text.
fn scalars(value: &Value) -> Result<Vec<String>, S3Error> {
    fn one(value: &Value) -> Result<String, S3Error> {
        match value {
            Value::String(text) => Ok(text.clone()),
            Value::Number(number) => Ok(number.to_string()),
            Value::Bool(flag) => Ok(flag.to_string()),
            _ => Err(syntax_error()),
        }
    }
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

fn compile_values(family: Family, texts: &[String], variables: bool) -> Result<Values, S3Error> {
    Ok(match family {
        Family::StringEquals | Family::StringEqualsIgnoreCase => {
            Values::Strings(texts.iter().map(|t| Template::new(t, variables)).collect())
        }
        Family::StringLike | Family::Arn => {
            Values::Patterns(texts.iter().map(|t| Pattern::new(t, variables)).collect())
        }
        Family::Numeric(_) => Values::Numbers(texts.iter().map(|t| parse_number(t)).collect()),
        Family::Date(_) => Values::Numbers(texts.iter().map(|t| parse_date(t)).collect()),
        Family::Bool => Values::Bools(texts.iter().map(|t| parse_bool(t)).collect()),
        Family::BinaryEquals => Values::Bytes(
            texts
                .iter()
                .map(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
                .collect(),
        ),
        Family::IpAddress => Values::Cidrs(
            texts
                .iter()
                .map(|t| {
                    Cidr::parse(t).ok_or_else(|| malformed("Invalid IP address in Conditions"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Family::Null => Values::Null(texts.iter().map(|t| parse_bool(t) == Some(true)).collect()),
    })
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A date as epoch seconds: "one of the W3C implementations of the ISO 8601 date formats"
/// (`2026-01-01`, `2026-01-01T00:00Z`, `2026-01-01T00:00:00.5+02:00`) or epoch seconds.
pub(crate) fn parse_date(text: &str) -> Option<f64> {
    let text = text.trim();
    if let Some(number) = parse_number(text) {
        if !text.contains('-') || text.starts_with('-') {
            return Some(number);
        }
    }
    let bytes = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let year = digits(0, 4)?;
    let (month, day) = match bytes.get(4) {
        None => (1, 1),
        Some(b'-') => {
            let month = digits(5, 2)?;
            match bytes.get(7) {
                None => (month, 1),
                Some(b'-') => (month, digits(8, 2)?),
                _ => return None,
            }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    let rest = text.get(10..).unwrap_or("");
    if rest.is_empty() {
        return (text.len() == 10 || text.len() == 7 || text.len() == 4).then_some(seconds);
    }
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t'))?;
    let hour = rest.get(0..2)?.parse::<u32>().ok()?;
    if rest.as_bytes().get(2) != Some(&b':') {
        return None;
    }
    let minute = rest.get(3..5)?.parse::<u32>().ok()?;
    let mut at = 5;
    let mut second = 0.0;
    if rest.as_bytes().get(5) == Some(&b':') {
        let end = rest[6..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map_or(rest.len(), |n| n + 6);
        second = rest[6..end].parse::<f64>().ok()?;
        at = end;
    }
    if hour > 24 || minute > 59 || !(0.0..61.0).contains(&second) {
        return None;
    }
    seconds += f64::from(hour * 3600 + minute * 60) + second;
    let zone = &rest[at..];
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = zone[1..].split_once(':')?;
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
        }
    };
    Some(seconds - offset as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl Condition {
    /// Whether the request satisfies this condition.
    pub fn holds(&self, context: &ConditionContext, vars: &Vars) -> bool {
        let present = context.get(&self.key);
        if let Values::Null(wanted) = &self.values {
            let absent = present.is_none_or(|values| values.is_empty());
            return wanted.contains(&absent);
        }
        let op = self.operator;
        let Some(request) = present else {
            // "If the key ... is not present in the request context, the values do not
            // match": false, except that a negated operator is then true, `...IfExists` is
            // true, and `ForAllValues` over no values is true.
            return op.if_exists
                || match op.set {
                    SetQualifier::ForAllValues => true,
                    SetQualifier::ForAnyValue => false,
                    SetQualifier::Single => op.negated,
                };
        };
        let each = |value: &String| self.one(value, vars);
        match (op.set, op.negated) {
            (SetQualifier::ForAllValues, _) | (SetQualifier::Single, true) => {
                request.iter().all(each)
            }
            (SetQualifier::ForAnyValue, _) | (SetQualifier::Single, false) => {
                request.iter().any(each)
            }
        }
    }

    /// Whether one request value satisfies the operator: matches one of the policy's values
    /// (positive), or none of them (negated: "NOT any", as IAM defines). A request value
    /// that does not parse as the operator's type satisfies neither.
    fn one(&self, request: &str, vars: &Vars) -> bool {
        let matched = match &self.values {
            Values::Strings(templates) => {
                let ignore_case = self.operator.family == Family::StringEqualsIgnoreCase;
                templates.iter().any(|t| {
                    t.resolve(vars).is_some_and(|policy| {
                        if ignore_case {
                            policy
                                .chars()
                                .flat_map(char::to_lowercase)
                                .eq(request.chars().flat_map(char::to_lowercase))
                        } else {
                            *policy == *request
                        }
                    })
                })
            }
            Values::Patterns(patterns) if self.operator.family == Family::Arn => {
                patterns.iter().any(|p| arn_matches(p, request, vars))
            }
            Values::Patterns(patterns) => patterns.iter().any(|p| p.matches(request, vars)),
            Values::Numbers(numbers) => {
                let parsed = match self.operator.family {
                    Family::Date(_) => parse_date(request),
                    _ => parse_number(request),
                };
                let Some(value) = parsed else {
                    return false;
                };
                let (Family::Numeric(compare) | Family::Date(compare)) = self.operator.family
                else {
                    return false;
                };
                numbers
                    .iter()
                    .flatten()
                    .any(|policy| compare.holds(value, *policy))
            }
            Values::Bools(bools) => {
                let Some(value) = parse_bool(request) else {
                    return false;
                };
                bools.iter().flatten().any(|policy| *policy == value)
            }
            Values::Bytes(bytes) => bytes
                .iter()
                .flatten()
                .any(|policy| policy.as_slice() == request.as_bytes()),
            Values::Cidrs(cidrs) => {
                let Ok(address) = request.trim().parse::<IpAddr>() else {
                    return false;
                };
                cidrs.iter().any(|cidr| cidr.contains(address))
            }
            Values::Null(_) => false,
        };
        matched != self.operator.negated
    }
}

/// `ArnEquals`/`ArnLike`: "Each of the six colon-delimited components of the ARN is checked
/// separately and each can include ... wildcards". A pattern of fewer components is matched
/// as a whole string.
fn arn_matches(pattern: &Pattern, request: &str, vars: &Vars) -> bool {
    let Some(elems) = pattern.elems(vars) else {
        return false;
    };
    let parts: Vec<&[Elem]> = elems.splitn(6, |e| *e == Elem::Byte(b':')).collect();
    if parts.len() < 6 {
        return wildcard_match(&elems, request.as_bytes(), false);
    }
    let values: Vec<&str> = request.splitn(6, ':').collect();
    values.len() == 6
        && parts
            .iter()
            .zip(&values)
            .all(|(part, value)| wildcard_match(part, value.as_bytes(), false))
}

/// Whether a value as written holds a wildcard or a policy variable (is not "fixed").
pub(super) fn is_fixed(text: &str) -> bool {
    !text.contains(['*', '?']) && !text.contains("${")
}
