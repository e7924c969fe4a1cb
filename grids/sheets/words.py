"""The Chinese words a sheet uses in its cells: 层级, 类型, 性别, 标签, 类别.

They are part of the file format, not of the interface language, so they are
fixed here rather than taken from the translation catalogue; the catalogue's
current wording, the English label and the stored value are accepted too.
"""

from functools import cached_property

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import CareTag, Gender, HouseholdTag, Level, PlaceCategory, UnitKind
from .cells import CellError


def _normalise_word(text: str) -> str:
    return (
        text.replace("（", "(")
        .replace("）", ")")
        .replace("／", "/")
        .replace(" ", "")
        .lower()
    )


class Vocabulary:
    """The Chinese words a sheet uses for one set of choices, and their aliases.

    Every choice is also accepted by its code value (``micro_grid``) and its
    English label, so files written by other tools or by hand still import.
    """

    def __init__(self, name, choices, words: dict, aliases: dict | None = None):
        self.name = name
        self.choices = choices
        self.words = {str(value): word for value, word in words.items()}
        self.aliases = {alias: str(value) for alias, value in (aliases or {}).items()}

    @cached_property
    def _values(self) -> dict[str, str]:
        # Built on first use: labels are translated, which needs loaded apps.
        values = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for value, label in self.choices.choices:
                    values[_normalise_word(str(label))] = value
        for value, word in self.words.items():
            values[_normalise_word(value)] = value
            values[_normalise_word(word)] = value
        for alias, value in self.aliases.items():
            values[_normalise_word(alias)] = value
        return values

    def value_of(self, text: str) -> str:
        try:
            return self._values[_normalise_word(text)]
        except KeyError:
            raise CellError(
                _("Unknown %(what)s “%(value)s”; use one of: %(words)s")
                % {
                    "what": self.name,
                    "value": text,
                    "words": "、".join(self.words.values()),
                },
                code="unknown_word",
            ) from None

    def word_of(self, value: str) -> str:
        return self.words.get(value, value)


LEVELS = Vocabulary(
    gettext_lazy("level"),
    Level,
    {
        Level.DISTRICT: "区",
        Level.TOWN: "镇(街道)",
        Level.VILLAGE: "村(社区)",
        Level.GRID: "网格",
        Level.MICRO_GRID: "微网格",
        Level.CENTRAL_HOUSEHOLD: "党员中心户",
    },
    aliases={
        "镇": Level.TOWN,
        "街道": Level.TOWN,
        "镇/街道": Level.TOWN,
        "村": Level.VILLAGE,
        "社区": Level.VILLAGE,
        "村/社区": Level.VILLAGE,
    },
)
UNIT_KINDS = Vocabulary(
    gettext_lazy("kind"),
    UnitKind,
    {
        UnitKind.URBAN_STREET: "城市街道",
        UnitKind.RURAL_TOWN: "农村乡镇",
        UnitKind.URBAN_COMMUNITY: "城市社区",
        UnitKind.RURAL_VILLAGE: "农村村庄",
        UnitKind.INDUSTRIAL_PARK: "工业园区",
        UnitKind.MIXED: "混合型",
    },
    aliases={"混合": UnitKind.MIXED},
)
GENDERS = Vocabulary(
    gettext_lazy("gender"), Gender, {Gender.MALE: "男", Gender.FEMALE: "女"}
)
HOUSEHOLD_TAGS = Vocabulary(
    gettext_lazy("tag"),
    HouseholdTag,
    {
        HouseholdTag.ELDERLY_ALONE: "独居老人",
        HouseholdTag.LOW_INCOME: "低保户",
        HouseholdTag.RENTAL: "出租户",
        HouseholdTag.DISABILITY: "残疾人家庭",
        HouseholdTag.VETERAN: "退役军人",
        HouseholdTag.LEFT_BEHIND: "留守家庭",
    },
)
CARE_TAGS = Vocabulary(
    gettext_lazy("care group"),
    CareTag,
    {
        CareTag.ELDERLY: "老年人",
        CareTag.CHILD: "儿童",
        CareTag.DISABLED: "残疾人",
        CareTag.SERIOUS_ILLNESS: "重病患者",
        CareTag.COMMUNITY_CORRECTION: "社区矫正对象",
        CareTag.MENTAL_HEALTH: "精神障碍患者",
    },
)
PLACE_CATEGORIES = Vocabulary(
    gettext_lazy("place category"),
    PlaceCategory,
    {
        PlaceCategory.SMALL_SCHOOL: "小学校/幼儿园",
        PlaceCategory.SMALL_CLINIC: "小医院/诊所",
        PlaceCategory.SMALL_SHOP: "小商店",
        PlaceCategory.SMALL_RESTAURANT: "小餐饮",
        PlaceCategory.SMALL_HOTEL: "小旅馆",
        PlaceCategory.SMALL_ENTERTAINMENT: "小歌舞娱乐场所",
        PlaceCategory.SMALL_INTERNET_CAFE: "小网吧",
        PlaceCategory.SMALL_BEAUTY_BATH: "小美容洗浴场所",
        PlaceCategory.SMALL_WORKSHOP: "小加工作坊",
        PlaceCategory.GAS_USER: "燃气用户",
        PlaceCategory.ENTERPRISE: "企业",
    },
)
