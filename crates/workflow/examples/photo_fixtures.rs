//! Writes the photo fixtures: hostile uploads to `data/fixtures/bad/photo_*` (each must be
//! refused by `workflow::photos::prepare`) and a camera-like JPEG with EXIF GPS to
//! `data/fixtures/photos/gps.jpg` (whose stored copy must carry no EXIF).
//!
//! `cargo run -p workflow --example photo_fixtures` (from the repository root).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{Cursor, Write};
use std::path::Path;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageBuffer, ImageEncoder, Rgb};

fn picture(width: u32, height: u32) -> ImageBuffer<Rgb<u8>, Vec<u8>> {
    ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width) as u8,
            (y * 255 / height) as u8,
            ((x ^ y) & 0xff) as u8,
        ])
    })
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture(width, height))
        .unwrap();
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            picture(width, height).as_raw(),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[&kind[..], data].concat()).to_be_bytes());
    out
}

fn ihdr(width: u32, height: u32, color: u8) -> Vec<u8> {
    let mut data = width.to_be_bytes().to_vec();
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, color, 0, 0, 0]);
    chunk(b"IHDR", &data)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A grey PNG of zeros, compressed: a few kilobytes that decode to `width × height` bytes.
fn png_of_zeros(width: u32, height: u32) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0_u8; width as usize + 1];
    for _ in 0..height {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    [
        PNG_SIGNATURE.to_vec(),
        ihdr(width, height, 0),
        chunk(b"IDAT", &idat),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

/// An APNG of two frames: the encoded image's IDAT as frame 1 and again as frame 2.
fn apng(width: u32, height: u32) -> Vec<u8> {
    let still = png(width, height);
    let mut idat = Vec::new();
    let mut i = 8;
    while i < still.len() {
        let len = u32::from_be_bytes(still[i..i + 4].try_into().unwrap()) as usize;
        if &still[i + 4..i + 8] == b"IDAT" {
            idat.extend_from_slice(&still[i + 8..i + 8 + len]);
        }
        i += 12 + len;
    }
    let fctl = |seq: u32| {
        let mut d = seq.to_be_bytes().to_vec();
        for v in [width, height, 0, 0] {
            d.extend_from_slice(&v.to_be_bytes());
        }
        d.extend_from_slice(&[0, 1, 0, 10, 0, 0]); // 1/10 s, no dispose, source blend
        chunk(b"fcTL", &d)
    };
    let mut actl = 2_u32.to_be_bytes().to_vec();
    actl.extend_from_slice(&0_u32.to_be_bytes());
    let mut fdat = 2_u32.to_be_bytes().to_vec();
    fdat.extend_from_slice(&idat);
    [
        PNG_SIGNATURE.to_vec(),
        ihdr(width, height, 2),
        chunk(b"acTL", &actl),
        fctl(0),
        chunk(b"IDAT", &idat),
        fctl(1),
        chunk(b"fdAT", &fdat),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn u24(v: u32) -> [u8; 3] {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2]]
}

/// An animated WebP of two lossless frames.
fn animated_webp(width: u32, height: u32) -> Vec<u8> {
    let mut still = Vec::new();
    WebPEncoder::new_lossless(&mut still)
        .encode(
            picture(width, height).as_raw(),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    // The still image is RIFF, size, WEBP, then its VP8L chunk.
    let vp8l = &still[12..];
    let mut vp8x = vec![0x02, 0, 0, 0]; // animation
    vp8x.extend_from_slice(&u24(width - 1));
    vp8x.extend_from_slice(&u24(height - 1));
    let anim = [0, 0, 0, 0, 0, 0];
    let frame = || {
        let mut d = Vec::new();
        d.extend_from_slice(&u24(0));
        d.extend_from_slice(&u24(0));
        d.extend_from_slice(&u24(width - 1));
        d.extend_from_slice(&u24(height - 1));
        d.extend_from_slice(&u24(100));
        d.push(0);
        d.extend_from_slice(vp8l);
        riff_chunk(b"ANMF", &d)
    };
    let body = [
        b"WEBP".to_vec(),
        riff_chunk(b"VP8X", &vp8x),
        riff_chunk(b"ANIM", &anim),
        frame(),
        frame(),
    ]
    .concat();
    [
        b"RIFF".to_vec(),
        (body.len() as u32).to_le_bytes().to_vec(),
        body,
    ]
    .concat()
}

/// A JPEG as a phone writes it: EXIF with camera, time and GPS position (Sömmerda,
/// Marktplatz) in an APP1 segment after SOI.
fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let r = |num, denom| Rational { num, denom };
    let fields = [
        Field {
            tag: Tag::Make,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Fixture".to_vec()]),
        },
        Field {
            tag: Tag::Model,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Phone 1".to_vec()]),
        },
        Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"2026:05:04 10:11:12".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(51, 1), r(9, 1), r(3414, 100)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(11, 1), r(6, 1), r(4948, 100)]),
        },
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut app1 = vec![0xff, 0xe1];
    app1.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let plain = jpeg(width, height);
    [&plain[..2], &app1[..], &plain[2..]].concat()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/fixtures");
    let bad = root.join("bad");
    let good = jpeg(640, 480);
    let mut polyglot = good.clone();
    // A ZIP archive with an HTML page after the image's end: a JPEG to an image viewer, an
    // archive to an unzip tool.
    polyglot.extend_from_slice(b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00");
    polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let mut png_html = png(64, 64);
    png_html.extend_from_slice(b"<script>alert(1)</script>");
    let mut zero_width = [PNG_SIGNATURE.to_vec(), ihdr(0, 16, 2)].concat();
    zero_width.extend_from_slice(&chunk(b"IEND", &[]));
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("photo_empty.jpg", Vec::new()),
        ("photo_truncated.jpg", good[..good.len() / 2].to_vec()),
        ("photo_polyglot_zip.jpg", polyglot),
        ("photo_html_after_end.png", png_html),
        ("photo_jpeg_named.png", good.clone()),
        (
            "photo_script.jpg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        ),
        ("photo_bomb.png", png_of_zeros(8000, 8000)),
        ("photo_oversized.png", png_of_zeros(60_000, 1)),
        ("photo_zero_width.png", zero_width),
        ("photo_animated.png", apng(32, 32)),
        ("photo_animated.webp", animated_webp(32, 32)),
    ];
    for (name, bytes) in files {
        std::fs::write(bad.join(name), &bytes).unwrap();
        println!("{name}: {} bytes", bytes.len());
    }
    let gps = jpeg_with_gps(2000, 1500);
    std::fs::write(root.join("photos/gps.jpg"), &gps).unwrap();
    println!("photos/gps.jpg: {} bytes", gps.len());
}
