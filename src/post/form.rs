//! The `multipart/form-data` body of a browser upload (RFC 7578 on RFC 2046 §5.1.1), read the way
//! a stream allows: the boundary from the Content-Type, the head (every field up to the `file`
//! part; "POST Object" says the fields after it are ignored), and then the file's end and the
//! body's, checked as the bytes go by ([`FileEnd`]). Pure: the stores feed it bytes.

use crate::error::{ErrorCode, S3Error};

/// What S3 answers when the request is not a form upload at all.
pub const NOT_A_FORM: &str = "Bucket POST must be of the enclosure-type multipart/form-data";
/// S3's limit on the form before the file ("The form data and boundaries (excluding the
/// contents of the file) cannot exceed 20 KB", HTML Forms).
pub const HEAD_MAX: usize = 20 * 1024;
/// RFC 2046: a boundary has 1 to 70 characters.
const BOUNDARY_MAX: usize = 70;

/// One field of the form, before the file: its name as written and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// What the `file` part says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    /// The `filename` parameter of its Content-Disposition, as sent.
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// The form up to the first byte of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormHead {
    pub fields: Vec<Field>,
    pub file: FilePart,
    /// Bytes of the body before the file's first byte.
    pub len: usize,
}

/// What the bytes seen so far tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// The head goes on past these bytes.
    Incomplete,
    Done(FormHead),
}

pub fn malformed() -> S3Error {
    S3Error::new(ErrorCode::MalformedPOSTRequest)
}

fn no_file() -> S3Error {
    S3Error::new(ErrorCode::IncorrectNumberOfFilesInPostRequest)
}

fn head_too_long() -> S3Error {
    S3Error::new(ErrorCode::MaxPostPreDataLengthExceededError)
}

/// The boundary of a `multipart/form-data` Content-Type; S3's 412 for any other type.
pub fn boundary(content_type: Option<&str>) -> Result<String, S3Error> {
    let not_a_form = || S3Error::new(ErrorCode::PreconditionFailed).detail("Condition", NOT_A_FORM);
    let value = content_type.ok_or_else(not_a_form)?;
    let (media_type, params) = split_header_value(value);
    if !media_type.eq_ignore_ascii_case("multipart/form-data") {
        return Err(not_a_form());
    }
    let boundary = params
        .into_iter()
        .find(|(name, _)| name == "boundary")
        .map(|(_, value)| value)
        .unwrap_or_default();
    if boundary.is_empty() || boundary.len() > BOUNDARY_MAX || !boundary.is_ascii() {
        return Err(malformed());
    }
    Ok(boundary)
}

/// `"\r\n--" boundary "--\r\n"`: what ends the body after the file's bytes.
pub fn closing_delimiter(boundary: &str) -> Vec<u8> {
    format!("\r\n--{boundary}--\r\n").into_bytes()
}

/// The file's length: whatever the body holds between the head and the closing delimiter.
pub fn file_length(content_length: u64, head_len: usize, boundary: &str) -> Result<u64, S3Error> {
    let framing = head_len as u64 + closing_delimiter(boundary).len() as u64;
    content_length.checked_sub(framing).ok_or_else(malformed)
}

/// Reads the head from the first `buf.len()` bytes of the body: [`Scan::Incomplete`] while the
/// file part has not begun, refusing a head longer than `limit` bytes.
pub fn scan(buf: &[u8], boundary: &str, limit: usize) -> Result<Scan, S3Error> {
    let outcome = scan_parts(buf, boundary)?;
    match outcome {
        Scan::Done(head) if head.len > limit => Err(head_too_long()),
        Scan::Incomplete if buf.len() > limit => Err(head_too_long()),
        other => Ok(other),
    }
}

fn scan_parts(buf: &[u8], boundary: &str) -> Result<Scan, S3Error> {
    let dash_boundary = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    // The first boundary opens the body, or ends a preamble (RFC 2046 allows one).
    let mut at = if buf.starts_with(dash_boundary.as_bytes()) {
        dash_boundary.len()
    } else if buf.len() < dash_boundary.len() && dash_boundary.as_bytes().starts_with(buf) {
        return Ok(Scan::Incomplete);
    } else {
        match find(buf, delimiter.as_bytes()) {
            Some(i) => i + delimiter.len(),
            None => return Ok(Scan::Incomplete),
        }
    };
    let mut fields = Vec::new();
    loop {
        let Some(after_line) = boundary_line_end(&buf[at..])? else {
            return Ok(Scan::Incomplete);
        };
        at += after_line;
        let Some((headers, after_headers)) = part_headers(&buf[at..])? else {
            return Ok(Scan::Incomplete);
        };
        at += after_headers;
        if headers.name.eq_ignore_ascii_case("file") {
            return Ok(Scan::Done(FormHead {
                fields,
                file: FilePart {
                    filename: headers.filename,
                    content_type: headers.content_type,
                },
                len: at,
            }));
        }
        let Some(value_len) = find(&buf[at..], delimiter.as_bytes()) else {
            return Ok(Scan::Incomplete);
        };
        let value = std::str::from_utf8(&buf[at..at + value_len]).map_err(|_| malformed())?;
        fields.push(Field {
            name: headers.name,
            value: value.to_string(),
        });
        at += value_len + delimiter.len();
    }
}

/// After a boundary: `--` closes the body (here: before any file), else optional transport
/// padding and the line end. Returns how many bytes that took, `None` when more are needed.
fn boundary_line_end(rest: &[u8]) -> Result<Option<usize>, S3Error> {
    if rest.len() < 2 {
        return Ok(None);
    }
    if rest.starts_with(b"--") {
        return Err(no_file());
    }
    let padding = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match &rest[padding..] {
        [] | [b'\r'] => Ok(None),
        [b'\r', b'\n', ..] => Ok(Some(padding + 2)),
        [b'\n', ..] => Ok(Some(padding + 1)),
        _ => Err(malformed()),
    }
}

/// The headers of one part that matter here.
struct PartHeaders {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
}

/// A part's header block up to its empty line (lines end in CRLF, or a bare LF), with the
/// bytes it took; `None` when more are needed.
fn part_headers(rest: &[u8]) -> Result<Option<(PartHeaders, usize)>, S3Error> {
    let (mut disposition, mut content_type) = (None, None);
    let mut at = 0;
    loop {
        let Some(line_len) = rest[at..].iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line = &rest[at..at + line_len];
        at += line_len + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let line = std::str::from_utf8(line).map_err(|_| malformed())?;
        let (name, value) = line.split_once(':').ok_or_else(malformed)?;
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-disposition") {
            disposition = Some(value.trim().to_string());
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_string());
        }
    }
    let disposition = disposition.ok_or_else(malformed)?;
    let (kind, params) = split_header_value(&disposition);
    if !kind.eq_ignore_ascii_case("form-data") {
        return Err(malformed());
    }
    let param = |wanted: &str| {
        params
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.clone())
    };
    let name = param("name").ok_or_else(malformed)?;
    let headers = PartHeaders {
        name,
        filename: param("filename"),
        content_type,
    };
    Ok(Some((headers, at)))
}

/// `type; name=value; name="quoted value"`: the first token and the parameters, names
/// lower-cased. Browsers write a quote inside a quoted value as `%22` and a backslash as itself
/// (the HTML standard's multipart/form-data encoding, which keeps `C:\dir\file` as it is);
/// the only escape read here is `\"`, which some other clients write for a quote.
fn split_header_value(value: &str) -> (String, Vec<(String, String)>) {
    let mut pieces = split_outside_quotes(value).into_iter();
    let first = pieces.next().unwrap_or_default().trim().to_string();
    let params = pieces
        .filter_map(|piece| {
            let (name, value) = piece.split_once('=')?;
            Some((name.trim().to_ascii_lowercase(), unquote(value.trim())))
        })
        .collect();
    (first, params)
}

fn split_outside_quotes(value: &str) -> Vec<String> {
    let (mut pieces, mut current) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted && chars.peek() == Some(&'"') => {
                current.push(c);
                current.extend(chars.next());
                continue;
            }
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    pieces.push(current);
    pieces
}

fn unquote(value: &str) -> String {
    match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\""),
        None => value.to_string(),
    }
}

/// The first `needle` in `haystack`. Every needle here begins with `\r`: the candidates are
/// found with `memchr` (word at a time) and each compared, at most 74 bytes.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    memchr::memchr_iter(first, haystack).find(|&at| haystack[at + 1..].starts_with(rest))
}

/// Checks the body after the head as it streams by: the first `length` bytes are the file, and
/// the rest must be exactly the closing delimiter. A delimiter inside those `length` bytes means
/// parts after the file, which S3 ignores: the file is then only the bytes before it (the
/// length computed up front counted those parts too), and `finish` says where it ended.
pub struct FileEnd {
    delimiter: Vec<u8>,
    closing: Vec<u8>,
    length: u64,
    seen: u64,
    /// The last bytes seen (at most the delimiter's length less one), for a delimiter that
    /// spans two pushes.
    window: Vec<u8>,
    tail: Vec<u8>,
    /// Where the file ended, when parts followed it.
    file_end: Option<u64>,
}

impl FileEnd {
    pub fn new(boundary: &str, length: u64) -> FileEnd {
        FileEnd {
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            closing: closing_delimiter(boundary),
            length,
            seen: 0,
            window: Vec::new(),
            tail: Vec::new(),
            file_end: None,
        }
    }

    /// Takes the next bytes of the body; says how many of them (from the start) go on with the
    /// file's stream (the file, and any parts after it, up to the length computed up front).
    pub fn push(&mut self, bytes: &[u8]) -> Result<usize, S3Error> {
        let needle = self.delimiter.len();
        let data_left = self.length.saturating_sub(self.seen);
        let data = usize::try_from(data_left).map_or(bytes.len(), |left| left.min(bytes.len()));
        // A delimiter may start in the bytes before these (a few at most) …
        if self.file_end.is_none()
            && self.seen < self.length + needle as u64
            && !self.window.is_empty()
        {
            let mut junction = self.window.clone();
            junction.extend_from_slice(&bytes[..bytes.len().min(needle - 1)]);
            if let Some(at) = find(&junction, &self.delimiter) {
                let start = self.seen - self.window.len() as u64 + at as u64;
                if at < self.window.len() && start < self.length {
                    self.file_end = Some(start);
                }
            }
        }
        // … or among them, before the file's end.
        if data > 0 && self.file_end.is_none() {
            let probe = &bytes[..bytes.len().min(data + needle - 1)];
            if let Some(at) = find(probe, &self.delimiter).filter(|at| *at < data) {
                self.file_end = Some(self.seen + at as u64);
            }
        }
        self.tail.extend_from_slice(&bytes[data..]);
        if self.tail.len() > self.closing.len() {
            return Err(malformed());
        }
        self.seen += bytes.len() as u64;
        let keep = needle - 1;
        if bytes.len() >= keep {
            self.window.clear();
            self.window.extend_from_slice(&bytes[bytes.len() - keep..]);
        } else {
            self.window.extend_from_slice(bytes);
            let excess = self.window.len().saturating_sub(keep);
            self.window.drain(..excess);
        }
        Ok(data)
    }

    /// At the end of the body: all of it came, and then the closing delimiter. `Some(n)` when
    /// parts followed the file: the file is the first `n` bytes of what was streamed.
    pub fn finish(&self) -> Result<Option<u64>, S3Error> {
        if self.seen < self.length {
            return Err(S3Error::new(ErrorCode::IncompleteBody));
        }
        if self.tail != self.closing {
            return Err(malformed());
        }
        Ok(self.file_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "----s3edgeBoundary42";

    fn body(parts: &[(&str, &str)], file: &[u8], filename: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in parts {
            out.extend_from_slice(
                format!(
                    "--{B}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        let filename = filename
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        out.extend_from_slice(
            format!(
                "--{B}\r\nContent-Disposition: form-data; name=\"file\"{filename}\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(file);
        out.extend_from_slice(&closing_delimiter(B));
        out
    }

    fn done(buf: &[u8]) -> FormHead {
        match scan(buf, B, HEAD_MAX).unwrap() {
            Scan::Done(head) => head,
            Scan::Incomplete => panic!("head not found"),
        }
    }

    #[test]
    fn boundary_comes_from_a_multipart_form_data_content_type() {
        assert_eq!(
            boundary(Some("multipart/form-data; boundary=abc")).unwrap(),
            "abc"
        );
        assert_eq!(
            boundary(Some(
                "Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b;c\""
            ))
            .unwrap(),
            "a b;c"
        );
        for refused in [
            None,
            Some("application/x-www-form-urlencoded"),
            Some("text/plain"),
        ] {
            let err = boundary(refused).unwrap_err();
            assert_eq!(
                (err.code, err.status()),
                (ErrorCode::PreconditionFailed, 412)
            );
            assert_eq!(err.details, vec![("Condition", NOT_A_FORM.to_string())]);
        }
        for malformed in [
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=\"\"",
        ] {
            assert_eq!(
                boundary(Some(malformed)).unwrap_err().code,
                ErrorCode::MalformedPOSTRequest
            );
        }
        let long = format!("multipart/form-data; boundary={}", "x".repeat(71));
        assert_eq!(
            boundary(Some(&long)).unwrap_err().code,
            ErrorCode::MalformedPOSTRequest
        );
    }

    #[test]
    fn head_holds_the_fields_before_the_file_and_ends_at_its_first_byte() {
        let form = body(
            &[
                ("key", "user/${filename}"),
                ("Content-Type", "image/png"),
                ("x-amz-meta-a", "1\r\n2"),
            ],
            b"PNG bytes",
            Some("cat.png"),
        );
        let head = done(&form);
        assert_eq!(
            head.fields,
            vec![
                Field {
                    name: "key".into(),
                    value: "user/${filename}".into()
                },
                Field {
                    name: "Content-Type".into(),
                    value: "image/png".into()
                },
                Field {
                    name: "x-amz-meta-a".into(),
                    value: "1\r\n2".into()
                },
            ]
        );
        assert_eq!(head.file.filename.as_deref(), Some("cat.png"));
        assert_eq!(head.file.content_type.as_deref(), Some("image/png"));
        assert!(form[head.len..].starts_with(b"PNG bytes"));
        let length = file_length(form.len() as u64, head.len, B).unwrap();
        assert_eq!(length, 9);
    }

    #[test]
    fn every_prefix_short_of_the_file_is_incomplete() {
        let form = body(&[("key", "k"), ("acl", "private")], b"data", None);
        let head = done(&form);
        for cut in 0..head.len {
            assert_eq!(
                scan(&form[..cut], B, HEAD_MAX).unwrap(),
                Scan::Incomplete,
                "cut at {cut}"
            );
        }
        assert_eq!(
            scan(&form[..head.len], B, HEAD_MAX).unwrap(),
            Scan::Done(head)
        );
    }

    #[test]
    fn quoted_names_parameters_and_header_case() {
        let form = format!(
            "--{B}\r\ncontent-disposition: FORM-DATA; NAME=\"a \\\"quoted\\\" name; with semicolon\"\r\n\r\nv\r\n\
             --{B}\r\nContent-Disposition: form-data; name=plain\r\n\r\nw\r\n\
             --{B}\r\nContent-Disposition: form-data; filename=\"C:\\dir\\x.txt\"; name=\"FILE\"\r\n\r\n"
        );
        let head = done(form.as_bytes());
        assert_eq!(head.fields[0].name, "a \"quoted\" name; with semicolon");
        assert_eq!(head.fields[1].name, "plain");
        assert_eq!(head.file.filename.as_deref(), Some("C:\\dir\\x.txt"));
        assert_eq!(head.file.content_type, None);
        assert_eq!(head.len, form.len());
    }

    #[test]
    fn preamble_padding_and_bare_line_feeds_in_part_headers() {
        let form = format!(
            "a preamble\r\n--{B}  \t\r\nContent-Disposition: form-data; name=\"key\"\n\nk\r\n\
             --{B}\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\n\n"
        );
        let head = done(form.as_bytes());
        assert_eq!(
            head.fields,
            vec![Field {
                name: "key".into(),
                value: "k".into()
            }]
        );
        assert_eq!(head.file.filename.as_deref(), Some(""));
        assert_eq!(head.len, form.len());
    }

    #[test]
    fn a_form_without_a_file_and_malformed_parts() {
        let no_file = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--{B}--\r\n"
        );
        assert_eq!(
            scan(no_file.as_bytes(), B, HEAD_MAX).unwrap_err().code,
            ErrorCode::IncorrectNumberOfFilesInPostRequest
        );
        assert_eq!(
            scan(format!("--{B}--\r\n").as_bytes(), B, HEAD_MAX)
                .unwrap_err()
                .code,
            ErrorCode::IncorrectNumberOfFilesInPostRequest
        );
        for bad in [
            format!("--{B}\r\nContent-Type: text/plain\r\n\r\nx\r\n"),
            format!("--{B}\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n"),
            format!("--{B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n"),
            format!("--{B}\r\nno colon here\r\n\r\nx\r\n"),
            format!("--{B}junk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"),
        ] {
            assert_eq!(
                scan(bad.as_bytes(), B, HEAD_MAX).unwrap_err().code,
                ErrorCode::MalformedPOSTRequest,
                "{bad:?}"
            );
        }
        let mut not_utf8 =
            format!("--{B}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n").into_bytes();
        not_utf8.extend_from_slice(b"\xff\xfe\r\n");
        not_utf8.extend_from_slice(format!("--{B}\r\n").as_bytes());
        assert_eq!(
            scan(&not_utf8, B, HEAD_MAX).unwrap_err().code,
            ErrorCode::MalformedPOSTRequest
        );
    }

    #[test]
    fn the_head_is_limited() {
        let form = body(
            &[("key", "k"), ("x-amz-meta-big", &"v".repeat(300))],
            b"d",
            None,
        );
        let head = done(&form);
        assert_eq!(
            scan(&form, B, head.len - 1).unwrap_err().code,
            ErrorCode::MaxPostPreDataLengthExceededError
        );
        assert!(matches!(scan(&form, B, head.len).unwrap(), Scan::Done(_)));
        // Without a file part in sight, more than the limit is refused too.
        let endless = format!(
            "--{B}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{}",
            "v".repeat(100)
        );
        assert_eq!(scan(endless.as_bytes(), B, 200).unwrap(), Scan::Incomplete);
        assert_eq!(
            scan(endless.as_bytes(), B, 50).unwrap_err().code,
            ErrorCode::MaxPostPreDataLengthExceededError
        );
    }

    #[test]
    fn file_length_needs_room_for_the_closing_delimiter() {
        let closing = closing_delimiter(B).len() as u64;
        assert_eq!(file_length(100 + closing, 100, B).unwrap(), 0);
        assert_eq!(
            file_length(99 + closing, 100, B).unwrap_err().code,
            ErrorCode::MalformedPOSTRequest
        );
    }

    /// Feeds `rest` (the body after the head) to a FileEnd in slices of `slice` bytes: the file,
    /// as the first bytes of what was streamed when parts followed it.
    fn stream(rest: &[u8], length: u64, slice: usize) -> Result<Vec<u8>, S3Error> {
        let mut end = FileEnd::new(B, length);
        let mut streamed = Vec::new();
        for piece in rest.chunks(slice.max(1)) {
            let n = end.push(piece)?;
            streamed.extend_from_slice(&piece[..n]);
        }
        assert_eq!(
            streamed.len() as u64,
            length,
            "the stream gets the length told up front"
        );
        if let Some(file_end) = end.finish()? {
            streamed.truncate(file_end as usize);
        }
        Ok(streamed)
    }

    #[test]
    fn file_end_passes_the_file_and_checks_the_closing_delimiter() {
        let file: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut rest = file.clone();
        rest.extend_from_slice(&closing_delimiter(B));
        for slice in [1, 2, 3, 7, 64, 4096, 1 << 20] {
            assert_eq!(
                stream(&rest, file.len() as u64, slice).unwrap(),
                file,
                "slice {slice}"
            );
        }
        // Bytes that begin like a delimiter but are not one are the file's.
        let mut tricky = format!("\r\n--{}", &B[..B.len() - 1]).into_bytes();
        tricky.extend_from_slice(format!("\r\n-x{B}\r\n--").as_bytes());
        let mut rest = tricky.clone();
        rest.extend_from_slice(&closing_delimiter(B));
        for slice in [1, 5, 100] {
            assert_eq!(stream(&rest, tricky.len() as u64, slice).unwrap(), tricky);
        }
        // An empty file.
        assert_eq!(stream(&closing_delimiter(B), 0, 3).unwrap(), b"");
    }

    #[test]
    fn file_end_refuses_a_wrong_end_and_a_short_body() {
        let file = b"0123456789".to_vec();
        let ending = |end: &[u8]| {
            let mut rest = file.clone();
            rest.extend_from_slice(end);
            rest
        };
        for slice in [1, 4, 1000] {
            let wrong_boundary = ending(format!("\r\n--{B}X-\r\n").as_bytes());
            let code = stream(&wrong_boundary, 10, slice).unwrap_err().code;
            assert_eq!(code, ErrorCode::MalformedPOSTRequest, "slice {slice}");
            let no_crlf = ending(format!("\r\n--{B}--xx").as_bytes());
            assert_eq!(
                stream(&no_crlf, 10, slice).unwrap_err().code,
                ErrorCode::MalformedPOSTRequest
            );
            let epilogue = ending(format!("\r\n--{B}--\r\nepilogue").as_bytes());
            assert_eq!(
                stream(&epilogue, 10, slice).unwrap_err().code,
                ErrorCode::MalformedPOSTRequest
            );
            let mut end = FileEnd::new(B, 10);
            for piece in file[..6].chunks(slice) {
                end.push(piece).unwrap();
            }
            assert_eq!(end.finish().unwrap_err().code, ErrorCode::IncompleteBody);
            let truncated_end = ending(format!("\r\n--{B}-").as_bytes());
            assert_eq!(
                stream(&truncated_end, 10, slice).unwrap_err().code,
                ErrorCode::MalformedPOSTRequest
            );
        }
    }

    #[test]
    fn file_end_finds_where_the_file_ends_when_parts_follow_it() {
        // A submit button after the file (S3 ignores such parts): the computed length takes in
        // its part, whose delimiter shows where the file ended.
        let mut after = b"file bytes".to_vec();
        after.extend_from_slice(
            format!("\r\n--{B}\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload")
                .as_bytes(),
        );
        let length = after.len() as u64;
        after.extend_from_slice(&closing_delimiter(B));
        for slice in [1, 3, 11, 12, 13, 1 << 16] {
            assert_eq!(
                stream(&after, length, slice).unwrap(),
                b"file bytes",
                "slice {slice}"
            );
        }
        // An empty file followed by a part.
        let mut empty_then =
            format!("\r\n--{B}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny")
                .into_bytes();
        let length = empty_then.len() as u64;
        empty_then.extend_from_slice(&closing_delimiter(B));
        assert_eq!(stream(&empty_then, length, 4).unwrap(), b"");
        // The end is still checked.
        let mut cut = b"file".to_vec();
        cut.extend_from_slice(
            format!("\r\n--{B}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny").as_bytes(),
        );
        let length = cut.len() as u64;
        cut.extend_from_slice(format!("\r\n--{B}-").as_bytes());
        assert_eq!(
            stream(&cut, length, 5).unwrap_err().code,
            ErrorCode::MalformedPOSTRequest
        );
    }
}
