//! The NPY header: a Python dict literal such as
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`, space-padded and ended by
//! `\n`. This is a small parser for the subset of Python literals NumPy writes (strings,
//! `True`/`False`, integers, tuples, lists, dicts) and the matching formatter.

/// The three fields of an NPY header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    /// The dtype string, e.g. `<f8`.
    pub descr: String,
    /// Whether the data are in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The shape; empty for a 0-d array.
    pub shape: Vec<usize>,
}

/// Nesting depth beyond which a header is rejected (real headers nest at most 3 deep).
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug, PartialEq)]
enum Literal {
    Str(String),
    Bool(bool),
    Int(u128),
    Seq(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
    None,
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_space(&mut self) {
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.pos).copied()
    }

    fn fail<X>(&self, what: &str) -> Result<X, String> {
        Err(format!("malformed header at byte {}: {what}", self.pos))
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            self.fail(&format!("expected '{}'", byte as char))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Literal, String> {
        if depth > MAX_DEPTH {
            return self.fail("nested too deeply");
        }
        match self.peek() {
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'(') => self.sequence(b')', depth),
            Some(b'[') => self.sequence(b']', depth),
            Some(b'{') => self.dict(depth),
            Some(b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.pos < self.text.len() && self.text[self.pos].is_ascii_alphanumeric() {
                    self.pos += 1;
                }
                match &self.text[start..self.pos] {
                    b"True" => Ok(Literal::Bool(true)),
                    b"False" => Ok(Literal::Bool(false)),
                    b"None" => Ok(Literal::None),
                    _ => {
                        self.pos = start;
                        self.fail("unknown name")
                    }
                }
            }
            Some(_) => self.fail("unexpected character"),
            None => self.fail("unexpected end"),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Literal, String> {
        self.pos += 1;
        let start = self.pos;
        while self.pos < self.text.len() && self.text[self.pos] != quote {
            if self.text[self.pos] == b'\\' {
                return self.fail("escape sequences are not supported");
            }
            self.pos += 1;
        }
        if self.pos >= self.text.len() {
            return self.fail("unterminated string");
        }
        let s = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
        self.pos += 1;
        Ok(Literal::Str(s))
    }

    fn int(&mut self) -> Result<Literal, String> {
        let start = self.pos;
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("");
        let value = digits
            .parse::<u128>()
            .or_else(|_| self.fail("integer too large"))?;
        // Python 2 long suffix, as in old NumPy headers: `(3L, 4L)`.
        if self.pos < self.text.len() && self.text[self.pos] == b'L' {
            self.pos += 1;
        }
        Ok(Literal::Int(value))
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Result<Literal, String> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(Literal::Seq(items));
            }
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return self.fail(&format!("expected ',' or '{}'", close as char)),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Literal, String> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Literal::Dict(items));
            }
            let key = self.value(depth + 1)?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            items.push((key, value));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return self.fail("expected ',' or '}'"),
            }
        }
    }
}

/// Parses the text of an NPY header.
///
/// # Errors
/// A description of the fault: not a dict literal, a missing key, a key of the wrong type,
/// a non-string (structured) `descr`.
pub(crate) fn parse_header(text: &str) -> Result<Header, String> {
    let mut parser = Parser {
        text: text.as_bytes(),
        pos: 0,
    };
    let dict = match parser.value(0)? {
        Literal::Dict(items) => items,
        _ => return Err("header is not a dict literal".into()),
    };
    if parser.peek().is_some() {
        return parser.fail("trailing characters after the dict");
    }
    let get = |key: &str| {
        dict.iter()
            .find(|(k, _)| *k == Literal::Str(key.into()))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("header lacks key '{key}'"))
    };
    let descr = match get("descr")? {
        Literal::Str(s) => s.clone(),
        Literal::Seq(_) => {
            return Err("unsupported dtype: structured arrays (descr is a list)".into())
        }
        other => return Err(format!("header 'descr' is not a string: {other:?}")),
    };
    let fortran_order = match get("fortran_order")? {
        Literal::Bool(b) => *b,
        other => {
            return Err(format!(
                "header 'fortran_order' is not True/False: {other:?}"
            ))
        }
    };
    let shape = match get("shape")? {
        Literal::Seq(items) => items
            .iter()
            .map(|d| match d {
                Literal::Int(n) => usize::try_from(*n)
                    .map_err(|_| format!("header 'shape' dimension {n} is too large")),
                other => Err(format!("header 'shape' has a non-integer entry {other:?}")),
            })
            .collect::<Result<Vec<usize>, String>>()?,
        other => return Err(format!("header 'shape' is not a tuple: {other:?}")),
    };
    Ok(Header {
        descr,
        fortran_order,
        shape,
    })
}

/// Formats a header dict as NumPy does: `{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }`
/// (a 1-tuple keeps its comma; 0-d is `()`), without padding.
pub(crate) fn format_header(header: &Header) -> String {
    let dims: Vec<String> = header.shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let order = if header.fortran_order {
        "True"
    } else {
        "False"
    };
    format!(
        "{{'descr': '{}', 'fortran_order': {order}, 'shape': {shape}, }}",
        header.descr
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numpy_headers() {
        let h = parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }    \n")
            .unwrap();
        assert_eq!(h.descr, "<f8");
        assert!(!h.fortran_order);
        assert_eq!(h.shape, vec![3, 4]);
        let h =
            parse_header("{\"shape\": (), \"fortran_order\": True, \"descr\": \"<U6\"}").unwrap();
        assert_eq!(h.shape, Vec::<usize>::new());
        assert!(h.fortran_order);
        let h =
            parse_header("{'descr': '|b1', 'fortran_order': False, 'shape': (2L, 5L)}").unwrap();
        assert_eq!(h.shape, vec![2, 5]);
    }

    #[test]
    fn format_then_parse_is_identity() {
        for shape in [vec![], vec![7], vec![2, 3], vec![1, 2, 3, 4]] {
            let h = Header {
                descr: "<i8".into(),
                fortran_order: shape.len() == 2,
                shape,
            };
            assert_eq!(parse_header(&format_header(&h)).unwrap(), h);
        }
    }

    #[test]
    fn rejects_malformed_headers() {
        let nested = format!("{{'a': {}1{}}}", "(".repeat(40), ")".repeat(40));
        for (text, fault) in [
            (
                "{'descr': '<f8', 'fortran_order': False}",
                "lacks key 'shape'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}",
                "fortran_order",
            ),
            (
                "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ()}",
                "structured",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 'x')}",
                "non-integer",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,",
                "malformed",
            ),
            ("['descr']", "not a dict"),
            ("{'descr': '<f8'} junk", "trailing"),
            (nested.as_str(), "nested"),
            (
                "{'shape': (99999999999999999999999999999999999999999,)}",
                "too large",
            ),
        ] {
            let err = parse_header(text).unwrap_err();
            assert!(err.contains(fault), "{text}: {err}");
        }
    }
}
