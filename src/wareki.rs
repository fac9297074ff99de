//! Japanese era dates (和暦) → ISO year-month.

/// First Gregorian year of each era, so era year N is `start + N - 1`.
const ERAS: [(&str, i32); 5] = [("令和", 2019), ("平成", 1989), ("昭和", 1926), ("大正", 1912), ("明治", 1868)];

/// `平成28年5月` → `2016-05`; `令和元年5月` → `2019-05`. Full-width digits are accepted.
pub fn parse(text: &str) -> Option<String> {
    let text: String = text.chars().map(crate::read::text::ascii_digit).collect();
    for (era, start) in ERAS {
        let Some(pos) = text.find(era) else { continue };
        let rest = &text[pos + era.len()..];
        let (year, rest) = rest.split_once('年')?;
        let year: i32 = if year == "元" { 1 } else { year.trim().parse().ok()? };
        let month: u32 = rest.split_once('月')?.0.trim().parse().ok()?;
        if year < 1 || !(1..=12).contains(&month) {
            return None;
        }
        return Some(format!("{:04}-{:02}", start + year - 1, month));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn heisei_28_may_is_2016_05() {
        assert_eq!(parse("平成28年5月").as_deref(), Some("2016-05"));
    }

    #[test]
    fn first_year_of_an_era_is_written_gannen() {
        assert_eq!(parse("令和元年１０月").as_deref(), Some("2019-10"));
    }

    #[test]
    fn text_without_an_era_date_is_none() {
        assert_eq!(parse("平成"), None);
        assert_eq!(parse("2016年5月"), None);
        assert_eq!(parse("平成28年13月"), None);
    }
}
