//! `rolesite gen DIR --items N --vendors V`: a synthetic role table in the clean CSV layout,
//! for benchmarks and for trying rolesite at size. Deterministic: the same arguments write
//! the same bytes. Names and descriptions are composed from the vocabulary of such tables;
//! a heading stands about every 8 rows, in three levels; each task has one ◎ and one to six
//! ○. The data is invented and says so in its title.

use rolesite::diag::{Code, Error, Location};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project folder to create (must be empty or absent).
    pub dir: PathBuf,
    /// Number of tasks, 1 to 1,000,000 (headings come on top).
    // The table is made in memory before it is written: a million tasks take about 250 MB,
    // and a size past any real table would exhaust memory and abort.
    #[arg(long, default_value_t = 10_000, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub items: usize,
    /// Number of vendor columns (2 to 60).
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u16).range(2..=60))]
    pub vendors: u16,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

const AREAS: &[&str] = &[
    "共通基盤",
    "経過管理",
    "電子決裁",
    "個人番号管理",
    "統計・業務分析",
    "ネットワーク",
    "データセンター",
    "ヘルプデスク",
    "セキュリティ",
    "帳票印刷",
    "外部連携",
    "バックアップ",
    "拠点機器",
    "認証基盤",
    "業務アプリケーション",
];
const TRADES: &[&str] = &["設計・開発業者", "保守業者", "運用業者", "ハードウェア等納入業者"];
const PHASES: &[&str] = &["計画", "要件定義", "設計", "開発", "テスト", "移行", "運用", "保守", "障害対応", "改修"];
const OBJECTS: &[&str] = &[
    "実施計画書",
    "移行データ",
    "テスト仕様書",
    "運用手順書",
    "ウイルス定義ファイル",
    "障害報告書",
    "性能評価結果",
    "バックアップ媒体",
    "ネットワーク機器",
    "アカウント情報",
    "帳票レイアウト",
    "ログ",
    "セキュリティパッチ",
    "受入テスト結果",
    "構成管理情報",
    "教育資料",
];
const ACTIONS: &[&str] =
    &["作成", "レビュー", "承認", "確認", "実施", "報告", "更新", "検証", "適用", "取りまとめ", "提出", "保管"];
const DETAILS: &[&str] = &[
    "関係する事業者と調整のうえ",
    "本番環境への影響を確認し",
    "機構の承認を得て",
    "手順書に基づき",
    "検証環境で事前に確認したうえで",
    "定められた期日までに",
    "記録を残しつつ",
];
const ENDINGS: &[&str] = &["実施する。", "報告する。", "作成する。", "共有する。", "提出する。", "管理する。"];

/// A small deterministic generator (SplitMix64): the same seed gives the same table.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

fn vendors(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let area = AREAS[i % AREAS.len()];
            // Each area with each trade: 60 names, as many as vendors may be.
            let trade = TRADES[(i / AREAS.len()) % TRADES.len()];
            (format!("v{:02}", i + 1), format!("{area}{trade}"))
        })
        .collect()
}

/// The table as CSV text: header, then headings and tasks.
pub fn roles_csv(items: usize, vendor_count: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut out = String::from("項番,階層,作業項目,");
    for i in 0..vendor_count {
        let _ = write!(out, "v{:02},", i + 1);
    }
    out.push_str("作業内容\n");
    let (mut no, mut tasks, mut block) = (1usize, 0usize, 0usize);
    let mut cells = vec![""; vendor_count];
    while tasks < items {
        // A heading opens each block of about 8 rows: level 1 every 16 blocks, level 2 every 4.
        let level = if block % 16 == 0 {
            1
        } else if block % 4 == 0 {
            2
        } else {
            3
        };
        let heading = match level {
            1 => format!("{}フェーズ{}", rng.pick(PHASES), block / 16 + 1),
            2 => format!("{}に係る{}", rng.pick(AREAS), rng.pick(PHASES)),
            _ => format!("{}の{}", rng.pick(OBJECTS), rng.pick(ACTIONS)),
        };
        let _ = writeln!(out, "{no},{level},{heading},{}", ",".repeat(vendor_count));
        no += 1;
        block += 1;
        for _ in 0..(5 + rng.below(5)).min(items - tasks) {
            cells.iter_mut().for_each(|c| *c = "");
            let primary = rng.below(vendor_count);
            cells[primary] = "◎";
            for _ in 0..1 + rng.below(6) {
                let v = rng.below(vendor_count);
                if cells[v].is_empty() {
                    cells[v] = "○";
                }
            }
            let name = format!("{}の{}({}サブシステム)", rng.pick(OBJECTS), rng.pick(ACTIONS), rng.pick(AREAS));
            let description = format!(
                "{}について、{}{}{}",
                rng.pick(OBJECTS),
                rng.pick(DETAILS),
                rng.pick(ACTIONS),
                rng.pick(ENDINGS)
            );
            let _ = writeln!(out, "{no},,{name},{},{description}", cells.join(","));
            no += 1;
            tasks += 1;
        }
    }
    out
}

pub fn run(args: &Args) -> anyhow::Result<i32> {
    let dir = &args.dir;
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(Error::at(Code::Gen, Location::file_only(dir), "folder is not empty: give a new one").into());
    }
    let vendor_count = args.vendors as usize;
    std::fs::create_dir_all(dir.join("seeds"))?;
    let mut vendors_csv = String::from("id,name\n");
    for (id, name) in vendors(vendor_count) {
        let _ = writeln!(vendors_csv, "{id},{name}");
    }
    std::fs::write(dir.join("seeds/vendors.csv"), vendors_csv)?;
    std::fs::write(dir.join("seeds/roles.csv"), roles_csv(args.items, vendor_count, args.seed))?;
    let toml = format!(
        "[document]\ntitle = \"合成データによる役割分担表({} 作業)\"\nissuer = \"rolesite gen(架空のデータ)\"\n",
        args.items
    );
    std::fs::write(dir.join("site.toml"), toml)?;
    eprintln!("wrote {} tasks × {vendor_count} vendors into {}", args.items, dir.display());
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_asked_size_and_shape_and_is_the_same_each_time() {
        let csv = roles_csv(100, 25, 7);
        assert_eq!(csv, roles_csv(100, 25, 7));
        assert_ne!(csv, roles_csv(100, 25, 8));
        let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.split(',').collect()).collect();
        let tasks: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1].is_empty()).collect();
        assert_eq!(tasks.len(), 100);
        assert!(rows.iter().all(|r| r.len() == 3 + 25 + 1));
        for t in &tasks {
            let cells = &t[3..28];
            assert_eq!(cells.iter().filter(|c| **c == "◎").count(), 1);
            let coop = cells.iter().filter(|c| **c == "○").count();
            assert!((1..=6).contains(&coop), "{coop}");
        }
        let headings = rows.len() - tasks.len();
        assert!((100 / 10..=100 / 5).contains(&headings), "a heading about every 8 rows: {headings}");
        let levels: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[1]).filter(|l| !l.is_empty()).collect();
        assert_eq!(levels.into_iter().collect::<Vec<_>>(), ["1", "2", "3"]);
        assert_eq!(vendors(60).iter().map(|v| &v.1).collect::<std::collections::BTreeSet<_>>().len(), 60);
    }
}
