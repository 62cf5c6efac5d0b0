//! Wildcard patterns and policy variables of the IAM policy language: `*` matches any run of
//! characters, `?` exactly one, and `${key}` (or `${key, 'default'}`, `${*}`, `${?}`, `${$}`)
//! is replaced by the request's value. Follows "IAM JSON policy elements: Resource" and "IAM
//! policy elements: Variables and tags" (reference_policies_variables.html).

use std::borrow::Cow;

use super::condition::{normalize_key, ConditionContext};
use crate::authz::Principal;

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elem {
    Byte(u8),
    /// `*`: any run of characters, the empty one included.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A piece of a template: text as written, or a variable to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// `${*}`, `${?}`, `${$}`: the character itself, never a wildcard.
    Literal(char),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A string from the policy that may hold policy variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Template {
    /// The text as written (variables unresolved).
    pub raw: String,
    /// `None` when the text holds no variable (the common case: nothing to resolve).
    parts: Option<Vec<Part>>,
}

/// What policy variables resolve against: the request's context keys, then the principal.
pub(super) struct Vars<'a> {
    pub principal: &'a Principal,
    pub context: &'a ConditionContext,
}

impl Vars<'_> {
    fn lookup(&self, key: &str) -> Option<Cow<'_, str>> {
        if let Some([value]) = self.context.get(key) {
            return Some(Cow::Borrowed(value.as_str()));
        }
        let account = self.principal.account();
        match key {
            "aws:username" => account.map(|a| Cow::Borrowed(a.display_name.as_str())),
            "aws:userid" => Some(match account {
                Some(a) => Cow::Borrowed(a.account_id.as_str()),
                None => Cow::Borrowed("anonymous"),
            }),
            "aws:principalaccount" => account.map(|a| Cow::Borrowed(a.account_id.as_str())),
            _ => None,
        }
    }
}

impl Template {
    /// `text` as written; `${...}` is read as a variable only when `variables` (policy
    /// `Version` 2012-10-17: "policy variables ... work only with version 2012-10-17").
    pub fn new(text: &str, variables: bool) -> Template {
        let parts = if variables && text.contains("${") {
            Some(split_variables(text))
        } else {
            None
        };
        Template {
            raw: text.to_owned(),
            parts,
        }
    }

    pub fn has_variables(&self) -> bool {
        self.parts.is_some()
    }

    /// The text with its variables filled in, every filled-in value literal. `None` when a
    /// variable has no value and no default: "the value doesn't match".
    pub fn resolve(&self, vars: &Vars) -> Option<Cow<'_, str>> {
        let Some(parts) = &self.parts else {
            return Some(Cow::Borrowed(&self.raw));
        };
        let mut out = String::with_capacity(self.raw.len());
        for part in parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Literal(c) => out.push(*c),
                Part::Var { key, default } => match vars.lookup(key) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(default.as_deref()?),
                },
            }
        }
        Some(Cow::Owned(out))
    }

    /// The text as a wildcard pattern: `*` and `?` in the text as written are wildcards,
    /// in a variable's value they are literal. `None` as for [`Template::resolve`].
    pub fn pattern(&self, vars: &Vars) -> Option<Cow<'_, [Elem]>> {
        let Some(parts) = &self.parts else {
            return None;
        };
        let mut out = Vec::with_capacity(self.raw.len());
        for part in parts {
            match part {
                Part::Text(text) => out.extend(compile(text)),
                Part::Literal(c) => out.push(Elem::Byte(*c as u8)),
                Part::Var { key, default } => {
                    let value = match vars.lookup(key) {
                        Some(value) => value,
                        None => Cow::Borrowed(default.as_deref()?),
                    };
                    out.extend(value.bytes().map(Elem::Byte));
                }
            }
        }
        Some(Cow::Owned(out))
    }

    /// The text as a pattern for validation, each variable standing for any value.
    pub fn loose_pattern(&self) -> Vec<Elem> {
        match &self.parts {
            None => compile(&self.raw).collect(),
            Some(parts) => parts
                .iter()
                .flat_map(|part| match part {
                    Part::Text(text) => compile(text).collect::<Vec<_>>(),
                    Part::Literal(c) => vec![Elem::Byte(*c as u8)],
                    Part::Var { .. } => vec![Elem::Star],
                })
                .collect(),
        }
    }
}

/// A wildcard pattern that may hold variables, compiled once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pattern {
    template: Template,
    /// The compiled pattern when the text holds no variable.
    fixed: Vec<Elem>,
}

impl Pattern {
    pub fn new(text: &str, variables: bool) -> Pattern {
        let template = Template::new(text, variables);
        let fixed = if template.has_variables() {
            Vec::new()
        } else {
            compile(text).collect()
        };
        Pattern { template, fixed }
    }

    pub fn raw(&self) -> &str {
        &self.template.raw
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The compiled pattern, variables resolved; `None` when one cannot be.
    pub fn elems(&self, vars: &Vars) -> Option<Cow<'_, [Elem]>> {
        if self.template.has_variables() {
            self.template.pattern(vars)
        } else {
            Some(Cow::Borrowed(&self.fixed))
        }
    }

    pub fn matches(&self, text: &str, vars: &Vars) -> bool {
        self.elems(vars)
            .is_some_and(|elems| wildcard_match(&elems, text.as_bytes(), false))
    }
}

/// `*` and `?` as wildcards, everything else literal.
pub(super) fn compile(text: &str) -> impl Iterator<Item = Elem> + '_ {
    text.bytes().map(|b| match b {
        b'*' => Elem::Star,
        b'?' => Elem::One,
        other => Elem::Byte(other),
    })
}

fn split_variables(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        literal.push_str(&rest[..start]);
        let inner = rest[start + 2..start + 2 + len].trim();
        rest = &rest[start + 3 + len..];
        match inner {
            // "${*}", "${?}" and "${$}" stand for the characters themselves.
            "*" | "?" | "$" => {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                parts.push(Part::Literal(inner.as_bytes()[0] as char));
            }
            _ => {
                if !literal.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut literal)));
                }
                let (key, default) = match inner.split_once(',') {
                    Some((key, default)) => {
                        let default = default.trim();
                        let default = default
                            .strip_prefix('\'')
                            .and_then(|d| d.strip_suffix('\''))
                            .unwrap_or(default);
                        (key.trim(), Some(default.to_owned()))
                    }
                    None => (inner, None),
                };
                parts.push(Part::Var {
                    key: normalize_key(key),
                    default,
                });
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    parts
}

/// Length of the UTF-8 character starting at `text[at]` (1 for a stray byte).
fn char_len(text: &[u8], at: usize) -> usize {
    let len = match text[at] {
        b if b < 0x80 => 1,
        b if b >= 0xF0 => 4,
        b if b >= 0xE0 => 3,
        b if b >= 0xC0 => 2,
        _ => 1,
    };
    len.min(text.len() - at)
}

/// Whether `pattern` matches all of `text`; `ignore_case` compares ASCII letters without case.
pub(super) fn wildcard_match(pattern: &[Elem], text: &[u8], ignore_case: bool) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it is currently taken to end at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Elem::Star) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(Elem::One) => {
                p += 1;
                t += char_len(text, t);
                continue;
            }
            Some(Elem::Byte(b))
                if *b == text[t] || (ignore_case && b.eq_ignore_ascii_case(&text[t])) =>
            {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                let next = st + char_len(text, st);
                star = Some((sp, next));
                p = sp + 1;
                t = next;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|e| *e == Elem::Star)
}

/// Whether `pattern` matches some text that begins with `prefix` (validation: can this
/// resource pattern reach an object of the bucket).
pub(super) fn matches_some_extension(pattern: &[Elem], prefix: &[u8]) -> bool {
    // The set of pattern positions reachable after reading the prefix (an NFA walk).
    let mut states = vec![false; pattern.len() + 1];
    states[0] = true;
    close_stars(pattern, &mut states);
    let mut next = vec![false; pattern.len() + 1];
    for &byte in prefix {
        next.fill(false);
        for (i, on) in states.iter().enumerate() {
            if !on || i == pattern.len() {
                continue;
            }
            match pattern[i] {
                Elem::Star => next[i] = true,
                // Prefixes here are ASCII, so one byte is one character.
                Elem::One => next[i + 1] = true,
                Elem::Byte(b) if b == byte => next[i + 1] = true,
                Elem::Byte(_) => {}
            }
        }
        close_stars(pattern, &mut next);
        std::mem::swap(&mut states, &mut next);
        if !states.iter().any(|s| *s) {
            return false;
        }
    }
    // Any remaining pattern can be completed by some text.
    states.iter().any(|s| *s)
}

/// A `*` may match nothing: from a state at a star, the state past it is reachable too.
fn close_stars(pattern: &[Elem], states: &mut [bool]) {
    for i in 0..pattern.len() {
        if states[i] && pattern[i] == Elem::Star {
            states[i + 1] = true;
        }
    }
}
