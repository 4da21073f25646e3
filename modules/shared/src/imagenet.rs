//! The snapshot map's tensor work, free of wasi-nn so it is unit-tested on the host:
//! an RGB24 frame becomes the planar, ImageNet-normalised f32 input; the model's logits become a
//! softmax, a top-1 index and that class's label text.

/// The frames the classifier takes (and the `format` map makes): 224×224 interleaved RGB.
pub const SIDE: u32 = 224;
pub const FRAME_LEN: usize = (SIDE * SIDE * 3) as usize;
pub const FORMAT: &str = "rgb24";

/// ImageNet channel statistics (R, G, B) on values scaled to 0..1.
pub const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Interleaved RGB bytes (HWC) → planar CHW f32, each byte `v` as `(v/255 − mean[c]) / std[c]`,
/// written as little-endian bytes (the layout of a wasi-nn FP32 tensor).
pub fn planar_normalised(frame: &[u8]) -> Vec<u8> {
    let pixels = frame.len() / 3;
    let mut out = vec![0u8; pixels * 3 * 4];
    for (i, rgb) in frame.chunks_exact(3).enumerate() {
        for c in 0..3 {
            let v = (f32::from(rgb[c]) / 255.0 - MEAN[c]) / STD[c];
            let at = (c * pixels + i) * 4;
            out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Little-endian f32 bytes → values; a trailing partial value is ignored.
pub fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Numerically stable softmax.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// Index and probability of the most likely class (the first one on ties).
pub fn top1(probabilities: &[f32]) -> Option<(usize, f32)> {
    probabilities
        .iter()
        .copied()
        .enumerate()
        .fold(None, |best, (i, p)| match best {
            Some((_, bp)) if bp >= p => best,
            _ => Some((i, p)),
        })
}

/// The label of class `index` in a synset file ("<wnid> <labels>" per line): the text after
/// the first space.
pub fn label(synset: &str, index: usize) -> Option<&str> {
    let line = synset.lines().nth(index)?;
    Some(line.split_once(' ').map_or(line, |(_, text)| text))
}

/// Logits bytes (f32 LE) → the top-1 label.
pub fn classify(logits: &[u8], synset: &str) -> Result<String, String> {
    let probabilities = softmax(&f32s(logits));
    let (index, _) = top1(&probabilities).ok_or("the model returned no scores")?;
    label(synset, index)
        .map(str::to_owned)
        .ok_or_else(|| format!("class {index} has no label"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planar_layout_puts_each_channel_in_its_own_plane() {
        // Two pixels: (255, 0, 128) and (0, 255, 64).
        let out = f32s(&planar_normalised(&[255, 0, 128, 0, 255, 64]));
        let expect = |v: f32, c: usize| (v / 255.0 - MEAN[c]) / STD[c];
        assert_eq!(
            out,
            vec![
                expect(255.0, 0),
                expect(0.0, 0),
                expect(0.0, 1),
                expect(255.0, 1),
                expect(128.0, 2),
                expect(64.0, 2),
            ]
        );
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax(&[1.0, 3.0, 2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(top1(&p).map(|(i, _)| i), Some(1));
        assert!((p[1] - 0.665_240_9).abs() < 1e-6);
    }

    #[test]
    fn label_is_the_text_after_the_first_space() {
        let synset = "n01 tench, Tinca tinca\nn02 goldfish, Carassius auratus";
        assert_eq!(label(synset, 1), Some("goldfish, Carassius auratus"));
        assert_eq!(label(synset, 2), None);
    }

    #[test]
    fn classify_picks_the_highest_logit() {
        let logits: Vec<u8> = [0.5f32, -1.0, 7.25]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(classify(&logits, "a x\nb y\nc z, zz").unwrap(), "z, zz");
        assert!(classify(&[], "a x").is_err());
    }
}
