//! Bucket policies (a stand-in with the interface of the policy work, replaced on merge).
use crate::authz::Principal;
use crate::error::S3Error;
pub const MAX_POLICY_BYTES: usize = 20 * 1024;
#[derive(Debug, Clone, Default)]
pub struct ConditionContext {
    values: Vec<(String, Vec<String>)>,
}
impl ConditionContext {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.values.push((key.to_string(), vec![value.into()]))
    }
    pub fn set_many(&mut self, key: &str, values: Vec<String>) {
        self.values.push((key.to_string(), values))
    }
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}
pub struct PolicyRequest<'a> {
    pub principal: &'a Principal,
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a ConditionContext,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyEffect {
    Deny,
    Allow,
    NoMatch,
}
#[derive(Debug, Clone)]
pub struct Policy;
impl Policy {
    pub fn parse(_json: &str, _bucket: &str) -> Result<Policy, S3Error> {
        todo!()
    }
    pub fn evaluate(&self, _request: &PolicyRequest) -> PolicyEffect {
        todo!()
    }
    pub fn is_public(&self) -> bool {
        todo!()
    }
}
pub fn is_known_action(_action: &str) -> bool {
    todo!()
}
