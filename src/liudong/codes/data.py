"""The built-in code tables and the idempotent loader that keeps a database in step with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction


@dataclass(frozen=True)
class BuiltinCode:
    code: str
    name: str
    name_en: str
    # Other spellings the Excel import should understand (matched like names, never shown).
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuiltinTable:
    key: str
    name: str
    name_en: str
    standard: str
    extensible: bool
    codes: tuple[BuiltinCode, ...] = field(default_factory=tuple)


def _c(code: str, name: str, name_en: str, *aliases: str) -> BuiltinCode:
    return BuiltinCode(code, name, name_en, tuple(aliases))


SEX = BuiltinTable(
    "sex",
    "性别",
    "Sex",
    "GB/T 2261.1-2003",
    extensible=False,
    codes=(
        _c("0", "未知的性别", "Unknown", "未知"),
        _c("1", "男", "Male", "男性", "M"),
        _c("2", "女", "Female", "女性", "F"),
        _c("9", "未说明的性别", "Not stated", "未说明"),
    ),
)

# GB/T 3304-1991 《中国各民族名称的罗马字母拼写法和代码》: the order and the romanized
# names are the standard's; the common English names are aliases for the import.
ETHNICITY = BuiltinTable(
    "ethnicity",
    "民族",
    "Ethnic group",
    "GB/T 3304-1991",
    extensible=False,
    codes=(
        _c("01", "汉族", "Han"),
        _c("02", "蒙古族", "Mongol", "Mongolian"),
        _c("03", "回族", "Hui"),
        _c("04", "藏族", "Zang", "Tibetan"),
        _c("05", "维吾尔族", "Uygur", "Uyghur", "Uighur"),
        _c("06", "苗族", "Miao"),
        _c("07", "彝族", "Yi"),
        _c("08", "壮族", "Zhuang"),
        _c("09", "布依族", "Buyei", "Bouyei"),
        _c("10", "朝鲜族", "Chosen", "Korean"),
        _c("11", "满族", "Man", "Manchu"),
        _c("12", "侗族", "Dong"),
        _c("13", "瑶族", "Yao"),
        _c("14", "白族", "Bai"),
        _c("15", "土家族", "Tujia"),
        _c("16", "哈尼族", "Hani"),
        _c("17", "哈萨克族", "Kazak", "Kazakh"),
        _c("18", "傣族", "Dai"),
        _c("19", "黎族", "Li"),
        _c("20", "傈僳族", "Lisu"),
        _c("21", "佤族", "Va", "Wa"),
        _c("22", "畲族", "She"),
        _c("23", "高山族", "Gaoshan"),
        _c("24", "拉祜族", "Lahu"),
        _c("25", "水族", "Sui"),
        _c("26", "东乡族", "Dongxiang"),
        _c("27", "纳西族", "Naxi"),
        _c("28", "景颇族", "Jingpo"),
        _c("29", "柯尔克孜族", "Kirgiz", "Kyrgyz"),
        _c("30", "土族", "Tu"),
        _c("31", "达斡尔族", "Daur"),
        _c("32", "仫佬族", "Mulam", "Mulao"),
        _c("33", "羌族", "Qiang"),
        _c("34", "布朗族", "Blang"),
        _c("35", "撒拉族", "Salar"),
        _c("36", "毛南族", "Maonan"),
        _c("37", "仡佬族", "Gelao"),
        _c("38", "锡伯族", "Xibe", "Xibo"),
        _c("39", "阿昌族", "Achang"),
        _c("40", "普米族", "Pumi"),
        _c("41", "塔吉克族", "Tajik"),
        _c("42", "怒族", "Nu"),
        _c("43", "乌孜别克族", "Uzbek"),
        _c("44", "俄罗斯族", "Russ", "Russian"),
        _c("45", "鄂温克族", "Ewenki", "Evenki"),
        _c("46", "德昂族", "Deang", "De'ang"),
        _c("47", "保安族", "Bonan"),
        _c("48", "裕固族", "Yugur"),
        _c("49", "京族", "Gin", "Jing"),
        _c("50", "塔塔尔族", "Tatar"),
        _c("51", "独龙族", "Derung"),
        _c("52", "鄂伦春族", "Oroqen"),
        _c("53", "赫哲族", "Hezhen"),
        _c("54", "门巴族", "Monba"),
        _c("55", "珞巴族", "Lhoba"),
        _c("56", "基诺族", "Jino"),
        _c("97", "其他", "Other", "其它", "其他民族"),
        _c("98", "外国血统中国籍人士", "Foreign origin", "外国血统"),
    ),
)

# GB/T 4658-2006 《学历代码》 gives each level a group (10 研究生, 20 大学本科, 30 大学专科,
# 40 中等职业, 60 普通高中, 70 初中, 80 小学) whose first code is "graduated" (x1) and
# whose later codes are 结业/肄业. Party statistics record the highest level reached, so we
# keep one code per level, the graduated one, as personnel systems store it: 11 博士研究生
# (the doctoral sub-group 11–13) and 14 硕士研究生 (the master's sub-group 14–16) split the
# postgraduate level; 41 is 中等专科毕业; 81 小学毕业 stands for "primary and below".
EDUCATION = BuiltinTable(
    "education",
    "学历",
    "Education",
    "GB/T 4658-2006",
    extensible=True,
    codes=(
        _c("11", "博士研究生", "Postgraduate (doctorate)", "研究生（博士）", "博士"),
        _c("14", "硕士研究生", "Postgraduate (master's)", "研究生（硕士）", "硕士"),
        _c("21", "大学本科", "Undergraduate (bachelor's)", "本科"),
        _c("31", "大学专科", "Junior college", "大专", "专科"),
        _c("41", "中等专科", "Secondary specialized school", "中专", "中技"),
        _c("61", "高中", "Senior high school", "普通高中"),
        _c("71", "初中", "Junior high school"),
        _c("81", "小学及以下", "Primary school or below", "小学", "小学以下"),
    ),
)

# Words, not numbers: the codes appear in API payloads and import mappings.
FLOW_REASON = BuiltinTable(
    "flow_reason",
    "流动原因",
    "Reason for moving",
    "",
    extensible=True,
    codes=(
        _c("work", "务工经商", "Work or business", "务工", "经商", "外出务工"),
        _c("study", "学习深造", "Study", "学习", "深造", "上学"),
        _c("family", "随迁投亲", "With family", "随迁", "投亲", "随迁/投亲"),
        _c("other", "其他", "Other", "其它"),
    ),
)

HOST_SITE_KIND = BuiltinTable(
    "host_site_kind",
    "依托单位类型",
    "Kind of host site",
    "",
    extensible=True,
    codes=(
        _c("rep_office", "驻外办事处", "Representative office", "办事处"),
        _c("enterprise", "企业", "Enterprise"),
        _c("talent_bureau", "人才服务机构", "Talent bureau", "人才服务中心"),
        _c(
            "service_centre",
            "社区/园区党群服务中心",
            "Community or park service centre",
            "社区党群服务中心",
            "园区党群服务中心",
            "党群服务中心",
        ),
        _c("incubator", "新就业群体党建孵化基地", "New-economy incubator", "孵化基地"),
    ),
)

SERVICE_KIND = BuiltinTable(
    "service_kind",
    "服务诉求类型",
    "Kind of service request",
    "",
    extensible=True,
    codes=(
        _c("check_in", "登记报到", "Check-in registration", "报到"),
        _c("liaison", "联络纳管", "Liaison and management", "纳管"),
        _c("policy", "政策咨询", "Policy consultation"),
        _c("hardship", "纾难解困", "Hardship relief"),
        _c("employment", "就业指导", "Employment guidance"),
        _c("legal_aid", "法律援助", "Legal aid"),
        _c("other", "其他", "Other", "其它"),
    ),
)

ACTIVITY_KIND = BuiltinTable(
    "activity_kind",
    "活动类型",
    "Kind of activity",
    "",
    extensible=True,
    codes=(
        _c("theory_study", "理论学习", "Theory study"),
        _c("exchange", "交流研讨", "Exchange and discussion"),
        _c("party_spirit", "党性教育", "Party-spirit education"),
        _c("skills_training", "技能培训", "Skills training"),
        _c("volunteer", "志愿服务", "Volunteer service"),
        _c("branch_meetings", "三会一课", "Branch meetings"),
    ),
)

TABLES: tuple[BuiltinTable, ...] = (
    SEX,
    ETHNICITY,
    EDUCATION,
    FLOW_REASON,
    HOST_SITE_KIND,
    SERVICE_KIND,
    ACTIVITY_KIND,
)


def builtin_table(key: str) -> BuiltinTable | None:
    return next((table for table in TABLES if table.key == key), None)


def aliases(table_key: str) -> dict[str, tuple[str, ...]]:
    """Extra spellings per code of a built-in table (empty for tables administrators made)."""
    table = builtin_table(table_key)
    if table is None:
        return {}
    return {code.code: code.aliases for code in table.codes if code.aliases}


@dataclass
class LoadResult:
    tables_created: int = 0
    tables_updated: int = 0
    codes_created: int = 0
    codes_updated: int = 0

    def __str__(self) -> str:
        return (
            f"tables: {self.tables_created} created, {self.tables_updated} updated; "
            f"codes: {self.codes_created} created, {self.codes_updated} updated"
        )


def sync(table_model: Any, code_model: Any) -> LoadResult:
    """Add missing built-in tables and codes, refresh built-in names; never delete.

    Takes the models as arguments so the data migration can pass its historical ones.
    What administrators decide stays theirs: the order and the in-use flag of codes, whether
    a table is extensible, and every code they added. A code an administrator added before
    it became built-in is adopted (marked built-in, names refreshed).
    """
    result = LoadResult()
    for spec in TABLES:
        table, created = table_model.objects.get_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "standard": spec.standard,
                "extensible": spec.extensible,
            },
        )
        if created:
            result.tables_created += 1
        elif (table.name, table.name_en, table.standard) != (
            spec.name,
            spec.name_en,
            spec.standard,
        ):
            table.name, table.name_en, table.standard = spec.name, spec.name_en, spec.standard
            table.save()
            result.tables_updated += 1
        existing = {code.code: code for code in code_model.objects.filter(table=table)}
        for position, item in enumerate(spec.codes, start=1):
            code = existing.get(item.code)
            if code is None:
                code_model.objects.create(
                    table=table,
                    code=item.code,
                    name=item.name,
                    name_en=item.name_en,
                    sort_order=position * 10,
                    active=True,
                    builtin=True,
                )
                result.codes_created += 1
            elif (code.name, code.name_en, code.builtin) != (item.name, item.name_en, True):
                code.name, code.name_en, code.builtin = item.name, item.name_en, True
                code.save()
                result.codes_updated += 1
    return result


def load_codes() -> LoadResult:
    """Bring the built-in code tables up to date (the ``load_codes`` command); idempotent."""
    from liudong.codes.models import Code, CodeTable
    from liudong.core import audit

    with transaction.atomic(), audit.action("codes.load"):
        return sync(CodeTable, Code)
