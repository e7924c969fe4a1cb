from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey


class Level(models.TextChoices):
    """The five-level chain of the source, plus the district on top."""

    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / street")
    VILLAGE = "village", _("Village / community")
    GRID = "grid", _("Grid")
    MICRO_GRID = "micro_grid", _("Micro-grid")
    CENTRAL_HOUSEHOLD = "central_household", _("Party-member central household")

    @classmethod
    def ordered(cls) -> list["Level"]:
        return list(cls)

    @property
    def rank(self) -> int:
        return Level.ordered().index(self)

    @property
    def parent_level(self) -> "Level | None":
        return Level.ordered()[self.rank - 1] if self.rank else None

    @property
    def child_level(self) -> "Level | None":
        levels = Level.ordered()
        return levels[self.rank + 1] if self.rank + 1 < len(levels) else None


# The levels whose ids every unit and registry row carries (its "ancestry").
ANCESTRY_LEVELS = (
    Level.DISTRICT,
    Level.TOWN,
    Level.VILLAGE,
    Level.GRID,
    Level.MICRO_GRID,
)
ANCESTRY_FIELDS = tuple(f"{level.value}_id" for level in ANCESTRY_LEVELS)


class UnitKind(models.TextChoices):
    URBAN_STREET = "urban_street", _("Urban street")
    RURAL_TOWN = "rural_town", _("Rural town")
    URBAN_COMMUNITY = "urban_community", _("Urban community")
    RURAL_VILLAGE = "rural_village", _("Rural village")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    MIXED = "mixed", _("Mixed")


def _ancestry_fk(level: Level, *, db_index: bool = True):
    return models.ForeignKey(
        "grids.OrgUnit",
        verbose_name=level.label,
        # unit_delete refuses units with anything under them; a unit's own
        # column points at itself, which PROTECT would forbid deleting.
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        # Denormalised copies, written only by grids.services and checked by
        # check_tree; a database constraint on each would double the cost of
        # every bulk load (five extra foreign-key checks per row at commit).
        db_constraint=False,
        db_index=db_index,
    )


class Ancestry(models.Model):
    """Denormalised ids of the enclosing units, kept right by ``grids.services``.

    ``<level>_id`` is the enclosing unit at that level (for a unit: itself at its
    own level, null below it). "Everything under unit U" is then
    ``<U.level>_id = U.id`` — one B-tree lookup, no tree walk. Each foreign key's
    index serves exactly that count and the scope filter built on it.
    """

    district = _ancestry_fk(Level.DISTRICT)
    town = _ancestry_fk(Level.TOWN)
    village = _ancestry_fk(Level.VILLAGE)
    grid = _ancestry_fk(Level.GRID)
    micro_grid = _ancestry_fk(Level.MICRO_GRID)

    class Meta:
        abstract = True


class OrgUnit(MPTTModel, Ancestry):
    """A node of the territory tree (组织单元).

    The tree is small (a few thousand nodes per district) but every insert or
    move rewrites ``lft``/``rght`` of up to all of them, and each rewritten row
    touches every index. So the table keeps only the indexes the tree needs:
    its ancestry columns are unindexed (a scan of a few thousand rows is
    cheaper than maintaining five more indexes on every insert).
    """

    district = _ancestry_fk(Level.DISTRICT, db_index=False)
    town = _ancestry_fk(Level.TOWN, db_index=False)
    village = _ancestry_fk(Level.VILLAGE, db_index=False)
    grid = _ancestry_fk(Level.GRID, db_index=False)
    micro_grid = _ancestry_fk(Level.MICRO_GRID, db_index=False)

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("administrative code"),
        max_length=32,
        help_text=_("Unique administrative code, e.g. 320413101."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    kind = models.CharField(
        _("kind"), max_length=20, choices=UnitKind.choices, blank=True
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("GeoJSON Polygon or MultiPolygon, longitude before latitude."),
    )
    center_lat = models.FloatField(
        _("centre latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    center_lng = models.FloatField(
        _("centre longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class MPTTMeta:
        # ``level`` is the domain level (district, town, ...); mptt's depth
        # counter gets another name.
        level_attr = "depth"
        order_insertion_by = ["sort_order", "code"]

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            # A constraint rather than unique=True: no second LIKE index to keep.
            models.UniqueConstraint(fields=["code"], name="orgunit_code_unique"),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="orgunit_level_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(parent__isnull=True, level=Level.DISTRICT)
                    | (Q(parent__isnull=False) & ~Q(level=Level.DISTRICT))
                ),
                name="orgunit_only_district_is_root",
            ),
            models.CheckConstraint(
                condition=Q(center_lat__isnull=True)
                | Q(center_lat__gte=-90, center_lat__lte=90),
                name="orgunit_center_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(center_lng__isnull=True)
                | Q(center_lng__gte=-180, center_lng__lte=180),
                name="orgunit_center_lng_range",
            ),
        ]
        indexes = [
            # Tree browsing and the admin filter: "all grids", "all towns".
            models.Index(fields=["level", "code"], name="orgunit_level_code"),
        ]

    def __str__(self):
        return self.name

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class HouseholdTag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    LOW_INCOME = "low_income", _("Low-income")
    RENTAL = "rental", _("Rental")
    DISABILITY = "disability", _("Member with disability")
    VETERAN = "veteran", _("Veteran")
    LEFT_BEHIND = "left_behind", _("Left-behind family")


class CareTag(models.TextChoices):
    ELDERLY = "elderly", _("Elderly")
    CHILD = "child", _("Child")
    DISABLED = "disabled", _("Disabled")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    COMMUNITY_CORRECTION = "community_correction", _("Under community correction")
    MENTAL_HEALTH = "mental_health", _("Mental health care")


class Household(Ancestry):
    """A household (户), attached to a micro-grid; not a tree node."""

    code = models.CharField(_("household number"), max_length=32, unique=True)
    address = models.CharField(_("address"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("micro-grid"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    central_household = models.ForeignKey(
        OrgUnit,
        verbose_name=_("party-member central household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linked_households",
    )
    member_count = models.PositiveSmallIntegerField(_("members"), default=1)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self):
        return self.address


class Resident(Ancestry):
    """A resident (居民). Phone and ID number are stored whole, shown masked."""

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    tags = models.JSONField(_("care groups"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            # One person, one record; residents without an ID number are allowed.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="resident_id_number_unique",
            ),
        ]

    def __str__(self):
        return self.name


class PlaceCategory(models.TextChoices):
    """The nine small places (九小场所), gas users and enterprises."""

    SMALL_SCHOOL = "small_school", _("Small school or kindergarten")
    SMALL_CLINIC = "small_clinic", _("Small clinic")
    SMALL_SHOP = "small_shop", _("Small shop")
    SMALL_RESTAURANT = "small_restaurant", _("Small restaurant")
    SMALL_HOTEL = "small_hotel", _("Small hotel")
    SMALL_ENTERTAINMENT = "small_entertainment", _("Small entertainment venue")
    SMALL_INTERNET_CAFE = "small_internet_cafe", _("Small internet café")
    SMALL_BEAUTY_BATH = "small_beauty_bath", _("Small beauty or bath venue")
    SMALL_WORKSHOP = "small_workshop", _("Small workshop")
    GAS_USER = "gas_user", _("Gas user")
    ENTERPRISE = "enterprise", _("Enterprise")


class Place(Ancestry):
    """A registered place (场所) on a grid or micro-grid."""

    code = models.CharField(_("place number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(
        _("category"), max_length=24, choices=PlaceCategory.choices
    )
    address = models.CharField(_("address"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("grid or micro-grid"),
        on_delete=models.PROTECT,
        related_name="places",
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    lat = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lng = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=PlaceCategory.values),
                name="place_category_valid",
            ),
        ]

    def __str__(self):
        return self.name


class DepartmentKind(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("Public security")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    URBAN_MANAGEMENT = "urban_management", _("Urban management")
    MARKET_SUPERVISION = "market_supervision", _("Market supervision")
    EMERGENCY_MANAGEMENT = "emergency_management", _("Emergency management")
    ECOLOGY_ENVIRONMENT = "ecology_environment", _("Ecology and environment")
    HOUSING_CONSTRUCTION = "housing_construction", _("Housing and construction")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    OTHER = "other", _("Other")


class Department(models.Model):
    """A line department (条线部门) working within a territory of the tree."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=DepartmentKind.choices)
    territory = models.ForeignKey(
        OrgUnit,
        verbose_name=_("territory"),
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("The unit whose subtree the department serves."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """A post's role; what each may do is the table in ``grids.permissions``."""

    COMMANDER = "commander", _("Commander")
    DISPATCHER = "dispatcher", _("Dispatcher")
    CADRE = "cadre", _("Village cadre")
    GRID_WORKER = "grid_worker", _("Full-time grid worker")
    PART_TIME_GRID_WORKER = "part_time_grid_worker", _("Part-time grid worker")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    REVIEWER = "reviewer", _("Reviewer")
    ADMINISTRATOR = "administrator", _("Administrator")


class Post(models.Model):
    """A user's role on one unit (岗位): the user sees that unit's subtree.

    One grid can have many staff (一格多员) and one person several posts.
    """

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="posts",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="post_unique_role_on_unit"
            ),
            # Department staff belong to a department; nobody else does.
            models.CheckConstraint(
                condition=(
                    Q(role="department_staff", department__isnull=False)
                    | (~Q(role="department_staff") & Q(department__isnull=True))
                ),
                name="post_department_iff_department_staff",
            ),
        ]
        indexes = [
            # "Who works on this unit": staff counts and alert recipients.
            models.Index(fields=["unit", "role"], name="post_unit_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class PersonalDataAccess(models.Model):
    """One unmasked read of a resident's or place contact's personal data."""

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_type = models.CharField(_("subject type"), max_length=20)
    subject_id = models.BigIntegerField(_("subject id"))
    subject_name = models.CharField(_("subject"), max_length=100)
    fields = models.JSONField(_("fields read"), default=list)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    path = models.CharField(_("path"), max_length=200, blank=True)
    accessed_at = models.DateTimeField(_("accessed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        indexes = [
            # "Who read this person's data" and "what did this user read".
            models.Index(fields=["subject_type", "subject_id"], name="pda_subject"),
            models.Index(fields=["user", "accessed_at"], name="pda_user_time"),
        ]

    def __str__(self):
        return f"{self.user_id} → {self.subject_type}:{self.subject_id}"
