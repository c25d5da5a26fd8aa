//! The README's list of `train` flags is the CLI's: a flag in one place but not in the other
//! fails here.

use std::collections::BTreeSet;

/// The `--flags` of the list that follows "The flags of `train`" in the README's "Training on
/// MNIST" section (up to the next blank line).
fn readme_flags() -> BTreeSet<String> {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## Training on MNIST")
        .nth(1)
        .expect("README has a 'Training on MNIST' section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let start = section
        .find("The flags of `train`")
        .expect("the section lists the flags of `train`");
    let list = section[start..].split("\n\n").next().unwrap();
    flags_in(list)
}

/// Every `--word` token of `text` (values such as `pcd|cd` are skipped).
fn flags_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || c == '`' || c == ',' || c == '(' || c == ')')
        .filter(|t| t.starts_with("--") && t.len() > 2)
        .map(|t| t.trim_end_matches(['.', ':', ';']).to_string())
        .collect()
}

/// The long flags of `rbmdyn train --help`, without `--help`.
fn cli_flags() -> BTreeSet<String> {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rbmdyn"))
        .args(["train", "--help"])
        .output()
        .expect("the rbmdyn binary runs");
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout);
    help.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("-h, ").unwrap_or(l);
            l.starts_with("--")
                .then(|| l.split([' ', '=', '<']).next().unwrap().to_string())
        })
        .filter(|f| f != "--help")
        .collect()
}

#[test]
fn readme_lists_exactly_the_train_flags() {
    let (readme, cli) = (readme_flags(), cli_flags());
    assert!(cli.len() > 40, "{cli:?}");
    let missing: Vec<_> = cli.difference(&readme).collect();
    let extra: Vec<_> = readme.difference(&cli).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README lacks {missing:?}; README has but the CLI lacks {extra:?}"
    );
}

#[test]
fn the_flag_parser_of_this_test_finds_flags_and_skips_values() {
    let f = flags_in("`--a --b-c pcd|cd --d`. (--e) --");
    let expected: BTreeSet<String> = ["--a", "--b-c", "--d", "--e"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(f, expected);
}
