//! The `format` map: any image the `image` crate decodes (JPEG, PNG, GIF, BMP, WebP here)
//! becomes a 224×224 RGB24 frame (Lanczos3 resize); a payload of exactly 224·224·3 bytes that
//! is no known image passes through as such a frame.
use image::imageops::FilterType;

pub use crate::imagenet::{FORMAT, FRAME_LEN, SIDE};
pub const FORMAT_ERROR: &str = "Unexpected image format or size.";

/// What becomes of the input bytes.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// Already a raw 224×224 RGB24 frame: use the input bytes as they are.
    Raw,
    /// Decoded and resized.
    Decoded(Vec<u8>),
}

pub fn to_rgb24(bytes: &[u8]) -> Result<Frame, String> {
    match image::load_from_memory(bytes) {
        Ok(img) => {
            let rgb = img.to_rgb8();
            let frame = if rgb.dimensions() == (SIDE, SIDE) {
                rgb
            } else {
                image::imageops::resize(&rgb, SIDE, SIDE, FilterType::Lanczos3)
            };
            Ok(Frame::Decoded(frame.into_raw()))
        }
        Err(_) if bytes.len() == FRAME_LEN => Ok(Frame::Raw),
        Err(_) => Err(FORMAT_ERROR.into()),
    }
}

/// True when a snapshot is already what the classifier wants.
pub fn is_target(format: &str, width: u32, height: u32) -> bool {
    format == FORMAT && width == SIDE && height == SIDE
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb, RgbImage};
    use std::io::Cursor;

    fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn t17_raw_frame_passes() {
        let raw: Vec<u8> = (0..FRAME_LEN).map(|i| (i * 7 % 251) as u8).collect();
        assert_eq!(to_rgb24(&raw).unwrap(), Frame::Raw);
    }

    #[test]
    fn t17b_other_sizes_fail() {
        let junk: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        assert_eq!(to_rgb24(&junk).unwrap_err(), FORMAT_ERROR);
        assert_eq!(to_rgb24(b"").unwrap_err(), FORMAT_ERROR);
    }

    #[test]
    fn png_and_jpeg_are_resized() {
        let img = RgbImage::from_pixel(40, 30, Rgb([200, 10, 30]));
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Gif,
        ] {
            let Frame::Decoded(frame) = to_rgb24(&encode(&img, format)).unwrap() else {
                panic!("{format:?} not decoded");
            };
            assert_eq!(frame.len(), FRAME_LEN, "{format:?}");
            let px = &frame[3 * (112 * 224 + 112)..][..3];
            assert!(
                px[0].abs_diff(200) < 8 && px[1] < 20 && px[2] < 40,
                "{format:?} {px:?}"
            );
        }
    }

    #[test]
    fn exact_size_png_is_not_resampled() {
        let img = RgbImage::from_fn(SIDE, SIDE, |x, y| Rgb([x as u8, y as u8, (x ^ y) as u8]));
        let Frame::Decoded(frame) = to_rgb24(&encode(&img, ImageFormat::Png)).unwrap() else {
            panic!()
        };
        assert_eq!(frame, img.into_raw());
    }

    #[test]
    fn t03_bear_jpeg_if_present() {
        // AIO's t03 input: a JPEG despite its .raw name (only where the samples are; the
        // folder is WEIR_AIO_SAMPLES, or ../shared/aio-samples beside the repository).
        let dir = std::env::var("WEIR_AIO_SAMPLES")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/aio-samples").into());
        let path = format!("{dir}/tests/t03-complex-full-pipeline/input/bear.raw");
        let Ok(bytes) = std::fs::read(path) else {
            return;
        };
        let Frame::Decoded(frame) = to_rgb24(&bytes).unwrap() else {
            panic!("bear.raw not decoded")
        };
        assert_eq!(frame.len(), FRAME_LEN);
    }
}
