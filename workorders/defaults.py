"""The default taxonomy: nine business modules, their categories and deadlines.

Loaded by a data migration so every installation starts with them; all of it
is editable in admin afterwards. Codes are stable (``M03-01``) so a later
migration can find what it changes.
"""

# module name, [(category name, photo required, dispatch automatically)]
MODULES = [
    (
        "矛盾化解",
        [
            ("邻里纠纷", False, False),
            ("劳资纠纷", False, False),
            ("物业纠纷", False, False),
            ("婚姻家庭纠纷", False, False),
        ],
    ),
    ("经济发展", [("企业诉求", False, False), ("项目服务", False, False)]),
    (
        "安全生产",
        [
            ("燃气安全隐患", True, True),
            ("九小场所消防隐患", True, True),
            ("企业安全隐患", True, False),
        ],
    ),
    (
        "城市管理",
        [
            ("占道经营", True, True),
            ("违章搭建", True, False),
            ("市容环境卫生", True, True),
            ("道路设施损坏", True, True),
        ],
    ),
    (
        "生态环境",
        [
            ("噪声扰民", False, True),
            ("污水排放", True, False),
            ("秸秆焚烧", True, True),
        ],
    ),
    (
        "民生服务",
        [
            ("社保医保咨询", False, False),
            ("困难救助", False, False),
            ("养老服务", False, False),
        ],
    ),
    ("社会治安", [("治安隐患", True, False), ("可疑人员", False, False)]),
    ("应急管理", [("自然灾害险情", True, False), ("突发事件", True, False)]),
    ("党建引领", [("党员服务", False, False), ("阵地建设", True, False)]),
]

# priority: (sign for within hours, resolve within hours, within working days)
DEADLINES = {
    "normal": (4, None, 5),
    "urgent": (1, 24, None),
    "critical": (1, 4, None),
}
WARN_FRACTION = "0.80"


def load(Category, DeadlineRule):
    """Create what is missing; existing rows (maybe edited in admin) are kept."""
    for m, (module_name, categories) in enumerate(MODULES, start=1):
        module, _ = Category.objects.get_or_create(
            code=f"M{m:02d}", defaults={"name": module_name, "sort_order": m}
        )
        for c, (name, photo, auto) in enumerate(categories, start=1):
            category, _ = Category.objects.get_or_create(
                code=f"M{m:02d}-{c:02d}",
                defaults={
                    "name": name,
                    "module": module,
                    "photo_required": photo,
                    "auto_dispatch": auto,
                    "sort_order": c,
                },
            )
            for priority, (sign, hours, days) in DEADLINES.items():
                DeadlineRule.objects.get_or_create(
                    category=category,
                    priority=priority,
                    defaults={
                        "sign_within_hours": sign,
                        "resolve_within_hours": hours,
                        "resolve_within_working_days": days,
                        "warn_fraction": WARN_FRACTION,
                    },
                )
