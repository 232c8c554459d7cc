//! Incremental decompression of a copy of the response, so usage can be
//! read from compressed streams while the compressed bytes go to the client
//! untouched.

use std::io::Write;

use http::HeaderMap;

/// Content encodings the proxy can look inside. Others are passed through
/// but their usage stays unknown, so the proxy only advertises these.
pub const SUPPORTED: [&str; 3] = ["gzip", "deflate", "br"];

pub enum Decoder {
    Identity,
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
    /// An encoding we can't read, or a stream that failed to decode.
    Opaque,
}

impl Decoder {
    pub fn for_headers(headers: &HeaderMap) -> Decoder {
        let Some(enc) = headers.get(http::header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) else {
            return Decoder::Identity;
        };
        match enc.trim().to_ascii_lowercase().as_str() {
            "" | "identity" => Decoder::Identity,
            "gzip" | "x-gzip" => Decoder::Gzip(flate2::write::GzDecoder::new(Vec::new())),
            "deflate" => Decoder::Deflate(flate2::write::ZlibDecoder::new(Vec::new())),
            "br" => Decoder::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(Vec::new(), 4096))),
            _ => Decoder::Opaque,
        }
    }

    pub fn is_identity(&self) -> bool {
        matches!(self, Decoder::Identity)
    }

    /// Decompressed bytes for `input`; `None` when the content can't be read
    /// (after which the decoder stays opaque).
    pub fn decode(&mut self, input: &[u8]) -> Option<Vec<u8>> {
        let out = match self {
            Decoder::Identity => return Some(input.to_vec()),
            Decoder::Opaque => return None,
            Decoder::Gzip(d) => write_flush(d, input).map(|()| std::mem::take(d.get_mut())),
            Decoder::Deflate(d) => write_flush(d, input).map(|()| std::mem::take(d.get_mut())),
            Decoder::Brotli(d) => write_flush(d.as_mut(), input).map(|()| std::mem::take(d.get_mut())),
        };
        if out.is_err() {
            *self = Decoder::Opaque;
        }
        out.ok()
    }
}

fn write_flush(w: &mut impl Write, input: &[u8]) -> std::io::Result<()> {
    w.write_all(input)?;
    w.flush()
}

/// The client's `Accept-Encoding` reduced to what we can decode, so usage is
/// never hidden behind zstd. `None`: ask for identity (drop the header).
pub fn narrow_accept_encoding(value: &str) -> Option<String> {
    let kept: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|part| {
            let coding = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            SUPPORTED.contains(&coding.as_str()) || coding == "identity"
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    #[test]
    fn gzip_decodes_incrementally() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(b"event: a\ndata: 1\n\n").unwrap();
        enc.flush().unwrap();
        let first_len = enc.get_ref().len();
        enc.write_all(b"event: b\ndata: 2\n\n").unwrap();
        let all = enc.finish().unwrap();

        let mut headers = HeaderMap::new();
        headers.insert("content-encoding", "gzip".parse().unwrap());
        let mut d = Decoder::for_headers(&headers);
        let a = d.decode(&all[..first_len]).unwrap();
        assert_eq!(a, b"event: a\ndata: 1\n\n");
        let b = d.decode(&all[first_len..]).unwrap();
        assert_eq!(b, b"event: b\ndata: 2\n\n");
    }

    #[test]
    fn garbage_turns_opaque_without_panicking() {
        let mut headers = HeaderMap::new();
        headers.insert("content-encoding", "gzip".parse().unwrap());
        let mut d = Decoder::for_headers(&headers);
        assert!(d.decode(b"definitely not gzip at all....").is_none());
        assert!(d.decode(b"more").is_none());
    }

    #[test]
    fn accept_encoding_drops_what_we_cannot_read() {
        assert_eq!(narrow_accept_encoding("gzip, br, zstd").as_deref(), Some("gzip, br"));
        assert_eq!(narrow_accept_encoding("zstd"), None);
        assert_eq!(narrow_accept_encoding("gzip;q=1.0, identity;q=0.5").as_deref(), Some("gzip;q=1.0, identity;q=0.5"));
    }
}
