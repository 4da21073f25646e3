//! Points `include_bytes!` at the ImageNet classifier that ../imagenet/fetch.sh makes (run by
//! ../build.sh), so the model stays out of the repository.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=WEIR_TOOLCHAIN_DIR");
    let toolchain = env::var_os("WEIR_TOOLCHAIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env::var_os("HOME").expect("HOME is set")).join(".cache/weir-toolchain")
        });
    let dir = toolchain.join("imagenet");
    for (var, file) in [
        ("IMAGENET_MODEL", "efficientnet-lite0.onnx"),
        ("IMAGENET_LABELS", "synset.txt"),
    ] {
        let path = dir.join(file);
        if !path.is_file() {
            panic!(
                "{} is missing: run modules/imagenet/fetch.sh",
                path.display()
            );
        }
        println!("cargo:rerun-if-changed={}", path.display());
        println!("cargo:rustc-env={var}={}", path.display());
    }
}
