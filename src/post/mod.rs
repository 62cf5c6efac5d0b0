//! Browser-based uploads ("POST Object"; "Browser-Based Uploads Using POST (AWS Signature
//! Version 4)"): the pure parts of the operation. `form` reads the multipart body's head and
//! checks the file's end, `fields` reads the form's fields and turns them into the PutObject
//! request they stand for, `policy` checks the POST policy, `answer` shapes the success answer.
//! The signature over the policy is checked in `auth::post`; the handler is `ops::post`.

pub mod answer;
pub mod fields;
pub mod form;
pub mod policy;
