//! Photos of citizen reports: each upload is checked, decoded and re-encoded before anything
//! is stored. Only JPEG, PNG and WebP are taken, one frame, at most [`MAX_SIDE`] pixels a
//! side and [`MAX_PIXELS`] in all, with nothing after the image's end. What is stored is a
//! new JPEG of the pixels alone, turned upright and at most [`STORED_SIDE`] pixels a side:
//! no EXIF (so no GPS position or camera), no ICC profile, no comments, nothing a polyglot
//! could hide.
//!
//! The refusals ([`Refusal`]) speak German: the report form shows them to the citizen.

use std::io::Cursor;

use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, Limits};

/// Photos one report may carry.
pub const MAX_PHOTOS: usize = 3;
/// The largest file taken, in bytes.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The longest side taken, in pixels.
pub const MAX_SIDE: u32 = 10_000;
/// The most pixels taken (a 40-megapixel camera).
pub const MAX_PIXELS: u64 = 40_000_000;
/// The longest side of a stored photo, in pixels.
pub const STORED_SIDE: u32 = 1600;
/// The media type of every stored photo.
pub const MEDIA_TYPE: &str = "image/jpeg";
const JPEG_QUALITY: u8 = 85;
/// What a decoder may allocate: a 40-megapixel RGBA image and some room.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;

/// A file as it arrived, with what the sender said it is.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub bytes: &'a [u8],
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
}

/// A photo ready to store: a fresh JPEG of the upload's pixels.
#[derive(Clone)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photo")
            .field("bytes", &self.jpeg.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Why an upload is not taken; the message is what the citizen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Die Datei ist leer.")]
    Empty,
    #[error("Die Datei ist größer als 8 MB.")]
    TooLarge,
    #[error("Die Datei ist kein Bild im Format JPEG, PNG oder WebP.")]
    NotAnImage,
    #[error("Dateiname oder Dateityp passen nicht zum Inhalt: die Datei ist ein {found}-Bild.")]
    Mismatch { found: &'static str },
    #[error("Hinter dem Bild stehen weitere Daten; solche Dateien werden nicht angenommen.")]
    TrailingData,
    #[error("Bewegte Bilder (Animationen) werden nicht angenommen.")]
    Animated,
    #[error("Das Bild hat zu viele Pixel (höchstens 10.000 je Seite und 40 Megapixel insgesamt).")]
    TooManyPixels,
    #[error("Das Bild ist beschädigt oder unvollständig.")]
    Damaged,
}

impl Refusal {
    /// A stable name for clients that show their own text.
    pub fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::NotAnImage => "not_an_image",
            Self::Mismatch { .. } => "mismatch",
            Self::TrailingData => "trailing_data",
            Self::Animated => "animated",
            Self::TooManyPixels => "too_many_pixels",
            Self::Damaged => "damaged",
        }
    }
}

/// Photo `position` (from 1) of a report was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Foto {position}: {refusal}")]
pub struct PhotoError {
    pub position: usize,
    pub refusal: Refusal,
}

/// Checks an upload and re-encodes it as a JPEG without metadata.
pub fn prepare(upload: &Upload<'_>) -> Result<Photo, Refusal> {
    let bytes = upload.bytes;
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge);
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => f,
        _ => return Err(Refusal::NotAnImage),
    };
    check_declared(format, upload)?;
    let end = match format {
        ImageFormat::Jpeg => jpeg_end(bytes),
        ImageFormat::Png => png_end(bytes),
        _ => webp_end(bytes),
    }
    .ok_or(Refusal::Damaged)?;
    if end != bytes.len() {
        return Err(Refusal::TrailingData);
    }
    let mut image = decode(format, bytes)?;
    if image.width().max(image.height()) > STORED_SIDE {
        image = image.resize(STORED_SIDE, STORED_SIDE, FilterType::Triangle);
    }
    let rgb = image.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| Refusal::Damaged)?;
    Ok(Photo {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

/// The name of the format, as a citizen knows it.
fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        _ => "WebP",
    }
}

/// The file name's extension and the declared media type must not name another format.
fn check_declared(format: ImageFormat, upload: &Upload<'_>) -> Result<(), Refusal> {
    let (extensions, types): (&[&str], &[&str]) = match format {
        ImageFormat::Jpeg => (
            &["jpg", "jpeg", "jpe", "jfif"],
            &["image/jpeg", "image/jpg", "image/pjpeg"],
        ),
        ImageFormat::Png => (&["png"], &["image/png"]),
        _ => (&["webp"], &["image/webp"]),
    };
    let mismatch = Refusal::Mismatch {
        found: format_name(format),
    };
    if let Some((_, extension)) = upload.file_name.and_then(|n| n.rsplit_once('.')) {
        if !extensions.contains(&extension.to_ascii_lowercase().as_str()) {
            return Err(mismatch);
        }
    }
    if let Some(declared) = upload.content_type {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if declared != "application/octet-stream" && !types.contains(&declared.as_str()) {
            return Err(mismatch);
        }
    }
    Ok(())
}

/// Decodes one frame within the limits, turned as its EXIF orientation says.
fn decode(format: ImageFormat, bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let refused = |e: ImageError| match e {
        ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::Damaged,
    };
    let cursor = Cursor::new(bytes);
    match format {
        ImageFormat::Jpeg => decode_with(JpegDecoder::new(cursor).map_err(refused)?, limits),
        ImageFormat::Png => {
            let decoder = PngDecoder::with_limits(cursor, limits.clone()).map_err(refused)?;
            if decoder.is_apng().map_err(refused)? {
                return Err(Refusal::Animated);
            }
            decode_with(decoder, limits)
        }
        _ => {
            let decoder = WebPDecoder::new(cursor).map_err(refused)?;
            if decoder.has_animation() {
                return Err(Refusal::Animated);
            }
            decode_with(decoder, limits)
        }
    }
}

fn decode_with(mut decoder: impl ImageDecoder, limits: Limits) -> Result<DynamicImage, Refusal> {
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(Refusal::Damaged);
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooManyPixels);
    }
    decoder
        .set_limits(limits)
        .map_err(|_| Refusal::TooManyPixels)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => Refusal::TooManyPixels,
        _ => Refusal::Damaged,
    })?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Where a JPEG ends: just after its EOI marker, found by walking the segments and the
/// entropy-coded data; `None` when the file stops before.
fn jpeg_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 2; // after SOI
    loop {
        // A marker: 0xFF (fill bytes allowed), then its code.
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        while *bytes.get(i)? == 0xFF {
            i += 1;
        }
        let code = *bytes.get(i)?;
        i += 1;
        match code {
            0xD9 => return Some(i),
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        if length < 2 {
            return None;
        }
        i += length;
        if code == 0xDA {
            // Entropy-coded data up to the next marker that is no stuffed byte or restart.
            loop {
                if *bytes.get(i)? == 0xFF {
                    let next = *bytes.get(i + 1)?;
                    if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                        break;
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
    }
}

/// Where a PNG ends: after its IEND chunk; `None` when the file stops before.
fn png_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 8; // after the signature
    loop {
        let length = u32::from_be_bytes(bytes.get(i..i + 4)?.try_into().ok()?);
        let kind = bytes.get(i + 4..i + 8)?;
        let end = i
            .checked_add(12)?
            .checked_add(usize::try_from(length).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        if kind == b"IEND" {
            return Some(end);
        }
        i = end;
    }
}

/// Where a WebP ends: as its RIFF header says; `None` when the file is shorter.
fn webp_end(bytes: &[u8]) -> Option<usize> {
    let size = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    let size = usize::try_from(size).ok()?;
    let end = 8 + size + (size & 1);
    (end <= bytes.len()).then_some(end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use image::{ImageBuffer, Rgb};

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, y| Rgb([x as u8, y as u8, 128]));
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    fn upload(bytes: &[u8]) -> Upload<'_> {
        Upload {
            bytes,
            file_name: Some("foto.jpg"),
            content_type: Some("image/jpeg"),
        }
    }

    #[test]
    fn a_large_photo_is_made_smaller() {
        let photo = prepare(&upload(&jpeg(2400, 1200))).unwrap();
        assert_eq!((photo.width, photo.height), (1600, 800));
        assert_eq!(image::guess_format(&photo.jpeg).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn the_end_of_a_jpeg_is_found() {
        let bytes = jpeg(64, 48);
        assert_eq!(jpeg_end(&bytes), Some(bytes.len()));
        assert_eq!(jpeg_end(&bytes[..bytes.len() - 10]), None);
        let mut longer = bytes.clone();
        longer.extend_from_slice(b"PK\x03\x04");
        assert_eq!(
            prepare(&upload(&longer)).unwrap_err(),
            Refusal::TrailingData
        );
    }

    #[test]
    fn declared_names_and_types_must_fit() {
        let bytes = jpeg(8, 8);
        let named = |file_name, content_type| Upload {
            bytes: &bytes,
            file_name,
            content_type,
        };
        assert!(prepare(&named(Some("a.JPEG"), Some("image/jpeg"))).is_ok());
        assert!(prepare(&named(None, Some("application/octet-stream"))).is_ok());
        assert_eq!(
            prepare(&named(Some("a.png"), None)).unwrap_err(),
            Refusal::Mismatch { found: "JPEG" }
        );
        assert_eq!(
            prepare(&named(Some("a.jpg"), Some("text/html"))).unwrap_err(),
            Refusal::Mismatch { found: "JPEG" }
        );
    }
}
