"""Texts for residents: the public schedule and the poster, in the languages spoken in the accommodations.

Kept as plain data rather than gettext catalogs: these pages are the only ones in eight languages, the
texts are few and fixed, and a translator can check one language's block at a glance. Offer titles
themselves are the providers' (German) titles; the category names and explanations say what they are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel import Locale
from babel.dates import format_skeleton

from roombook.coordination.categories import Category

RTL = {"ar", "fa"}


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language's own name
    texts: dict[str, str]
    categories: dict[str, tuple[str, str]]  # category -> (name, short explanation)
    audiences: dict[str, str] = field(default_factory=dict)  # whom an offer is for -> its name here

    @property
    def direction(self) -> str:
        return "rtl" if self.code in RTL else "ltr"


def _cats(*pairs: tuple[str, str]) -> dict[str, tuple[str, str]]:
    order = (Category.LANGUAGE_COURSE, Category.DAILY_LIFE_COURSE, Category.OFFICE_HOURS, Category.COUNSELLING,
             Category.PROCEDURAL_COUNSELLING, Category.VOLUNTEER_ACTIVITY, Category.TRAINING, Category.OTHER)
    assert len(pairs) == len(order)
    return {c.value: pair for c, pair in zip(order, pairs)}


_KEYS = ("offers_in", "this_week", "next_week", "cancelled", "closed", "nothing", "legend", "print", "language",
         "week_range", "poster_title", "poster_link", "schedule_link", "moved", "venue")

_LANGUAGES = [
    Language("de", "Deutsch", dict(zip(_KEYS, (
        "Angebote in {place}", "Diese Woche", "Nächste Woche", "fällt aus", "geschlossen", "Keine Angebote",
        "Was bedeuten die Angebote?", "Drucken", "Sprache", "Woche vom {start} bis {end}",
        "Angebote der Woche", "Aushang zum Drucken (A4)", "Zum Wochenplan", "verlegt", "Ausweichort"))), _cats(
        ("Sprachkurs", "Deutsch lernen in der Gruppe, von Anfang an."),
        ("Alltagskurs", "Wie das Leben in der Stadt funktioniert: Ämter, Ärzte, Bus und Bahn, Einkaufen."),
        ("Sprechstunde", "Mitarbeitende der Stadt beantworten Fragen und helfen bei Anträgen."),
        ("Beratung", "Hilfe bei Problemen und Fragen; wir zeigen, wer weiterhelfen kann."),
        ("Asylverfahrensberatung", "Unabhängige, vertrauliche Beratung zu Ihrem Asylverfahren."),
        ("Ehrenamtliches Angebot", "Freizeit, Begegnung und Unterstützung von Ehrenamtlichen."),
        ("Schulung", "Fortbildung für Ehrenamtliche und Mitarbeitende."),
        ("Sonstiges", "Weitere Angebote."))),
    Language("en", "English", dict(zip(_KEYS, (
        "Offers at {place}", "This week", "Next week", "cancelled", "closed", "No offers",
        "What do the offers mean?", "Print", "Language", "Week from {start} to {end}",
        "This week's offers", "Poster to print (A4)", "To the weekly schedule", "moved",
        "alternative venue"))), _cats(
        ("Language course", "Learn German in a group, from the very beginning."),
        ("Everyday life course", "How life in the city works: offices, doctors, buses and trains, shopping."),
        ("Office hours", "City staff answer questions and help with applications."),
        ("Counselling", "Help with problems and questions; we show you who can help further."),
        ("Asylum procedure counselling", "Independent, confidential advice on your asylum procedure."),
        ("Volunteer activity", "Leisure, meeting people and support from volunteers."),
        ("Training", "Training for volunteers and staff."),
        ("Other", "Further offers."))),
    Language("ar", "العربية", dict(zip(_KEYS, (
        "العروض في {place}", "هذا الأسبوع", "الأسبوع القادم", "ملغى", "مغلق", "لا توجد عروض",
        "ماذا تعني العروض؟", "طباعة", "اللغة", "الأسبوع من {start} إلى {end}",
        "عروض الأسبوع", "ملصق للطباعة (A4)", "إلى جدول الأسبوع", "تم نقله", "مكان بديل"))), _cats(
        ("دورة لغة", "تعلّم اللغة الألمانية في مجموعة، من البداية."),
        ("دورة الحياة اليومية", "كيف تسير الحياة في المدينة: الدوائر الرسمية، الأطباء، الحافلات والقطارات، التسوّق."),
        ("ساعات استقبال", "موظفو المدينة يجيبون عن الأسئلة ويساعدون في تقديم الطلبات."),
        ("استشارة", "مساعدة في المشاكل والأسئلة؛ نرشدك إلى من يمكنه المساعدة."),
        ("استشارة إجراءات اللجوء", "استشارة مستقلة وسرّية حول إجراءات لجوئك."),
        ("نشاط تطوعي", "أنشطة ترفيهية ولقاءات ودعم من المتطوعين."),
        ("تدريب", "تدريب للمتطوعين والموظفين."),
        ("أخرى", "عروض أخرى."))),
    Language("fa", "فارسی", dict(zip(_KEYS, (
        "برنامه‌ها در {place}", "این هفته", "هفته آینده", "لغو شد", "بسته", "برنامه‌ای نیست",
        "این برنامه‌ها یعنی چه؟", "چاپ", "زبان", "هفته از {start} تا {end}",
        "برنامه‌های هفته", "اطلاعیه برای چاپ (A4)", "به برنامه هفته", "جابه‌جا شد", "مکان جایگزین"))), _cats(
        ("کلاس زبان", "یادگیری زبان آلمانی به‌صورت گروهی، از ابتدا."),
        ("کلاس زندگی روزمره", "زندگی در شهر چگونه است: ادارات، پزشکان، اتوبوس و قطار، خرید."),
        ("ساعت مراجعه", "کارکنان شهر به پرسش‌ها پاسخ می‌دهند و در درخواست‌ها کمک می‌کنند."),
        ("مشاوره", "کمک در مشکلات و پرسش‌ها؛ به شما نشان می‌دهیم چه کسی می‌تواند کمک کند."),
        ("مشاوره روند پناهندگی", "مشاوره مستقل و محرمانه درباره روند پناهندگی شما."),
        ("فعالیت داوطلبانه", "اوقات فراغت، دیدار و پشتیبانی توسط داوطلبان."),
        ("آموزش", "آموزش برای داوطلبان و کارکنان."),
        ("سایر", "برنامه‌های دیگر."))),
    Language("uk", "Українська", dict(zip(_KEYS, (
        "Пропозиції в {place}", "Цього тижня", "Наступного тижня", "скасовано", "зачинено", "Немає пропозицій",
        "Що означають пропозиції?", "Друк", "Мова", "Тиждень з {start} по {end}",
        "Пропозиції тижня", "Оголошення для друку (A4)", "До розкладу на тиждень", "перенесено",
        "тимчасове місце"))), _cats(
        ("Мовний курс", "Вивчення німецької мови в групі, з самого початку."),
        ("Курс повсякденного життя", "Як влаштоване життя в місті: установи, лікарі, автобуси й потяги, покупки."),
        ("Прийомні години", "Працівники міста відповідають на запитання та допомагають із заявами."),
        ("Консультація", "Допомога з проблемами та запитаннями; ми підкажемо, хто може допомогти далі."),
        ("Консультація щодо процедури надання притулку",
         "Незалежна конфіденційна консультація щодо вашої процедури надання притулку."),
        ("Волонтерська діяльність", "Дозвілля, зустрічі та підтримка від волонтерів."),
        ("Навчання", "Навчання для волонтерів і працівників."),
        ("Інше", "Інші пропозиції."))),
    Language("tr", "Türkçe", dict(zip(_KEYS, (
        "{place}: teklifler", "Bu hafta", "Gelecek hafta", "iptal", "kapalı", "Teklif yok",
        "Teklifler ne anlama geliyor?", "Yazdır", "Dil", "{start} – {end} haftası",
        "Haftanın teklifleri", "Yazdırmak için afiş (A4)", "Haftalık programa", "taşındı", "geçici yer"))), _cats(
        ("Dil kursu", "Grupta, en baştan Almanca öğrenin."),
        ("Günlük yaşam kursu", "Şehirde hayat nasıl işler: resmi daireler, doktorlar, otobüs ve tren, alışveriş."),
        ("Görüşme saatleri", "Belediye çalışanları soruları yanıtlar ve başvurularda yardımcı olur."),
        ("Danışmanlık", "Sorunlar ve sorularda yardım; kimin yardımcı olabileceğini gösteririz."),
        ("İltica süreci danışmanlığı", "İltica süreciniz hakkında bağımsız ve gizli danışmanlık."),
        ("Gönüllü etkinlik", "Gönüllülerden boş zaman etkinlikleri, buluşma ve destek."),
        ("Eğitim", "Gönüllüler ve çalışanlar için eğitim."),
        ("Diğer", "Diğer teklifler."))),
    Language("ru", "Русский", dict(zip(_KEYS, (
        "Предложения в {place}", "На этой неделе", "На следующей неделе", "отменено", "закрыто", "Нет предложений",
        "Что означают предложения?", "Печать", "Язык", "Неделя с {start} по {end}",
        "Предложения недели", "Объявление для печати (A4)", "К расписанию на неделю", "перенесено",
        "временное место"))), _cats(
        ("Языковой курс", "Изучение немецкого языка в группе, с самого начала."),
        ("Курс повседневной жизни", "Как устроена жизнь в городе: учреждения, врачи, автобусы и поезда, покупки."),
        ("Приёмные часы", "Сотрудники города отвечают на вопросы и помогают с заявлениями."),
        ("Консультация", "Помощь при проблемах и вопросах; подскажем, кто может помочь дальше."),
        ("Консультация по процедуре убежища", "Независимая и конфиденциальная консультация по вашей процедуре убежища."),
        ("Волонтёрская деятельность", "Досуг, встречи и поддержка от волонтёров."),
        ("Обучение", "Обучение для волонтёров и сотрудников."),
        ("Другое", "Другие предложения."))),
    Language("fr", "Français", dict(zip(_KEYS, (
        "Offres – {place}", "Cette semaine", "La semaine prochaine", "annulé", "fermé", "Aucune offre",
        "Que signifient les offres ?", "Imprimer", "Langue", "Semaine du {start} au {end}",
        "Offres de la semaine", "Affiche à imprimer (A4)", "Vers le programme de la semaine", "déplacé",
        "lieu de remplacement"))), _cats(
        ("Cours de langue", "Apprendre l’allemand en groupe, dès le début."),
        ("Cours de vie quotidienne", "Comment fonctionne la vie en ville : administrations, médecins, bus et trains, courses."),
        ("Permanence", "Des agents de la ville répondent aux questions et aident pour les démarches."),
        ("Conseil", "Aide pour vos problèmes et questions ; nous vous orientons vers la bonne personne."),
        ("Conseil sur la procédure d’asile", "Conseil indépendant et confidentiel sur votre procédure d’asile."),
        ("Activité bénévole", "Loisirs, rencontres et soutien par des bénévoles."),
        ("Formation", "Formation pour bénévoles et personnel."),
        ("Autre", "Autres offres."))),
]

# Texts added with the residents' week choice, the poster's QR code and public offers of volunteers.
_MORE_KEYS = ("contact", "for_whom", "spoken", "calendar", "subscribe", "https_link", "download", "skip",
              "previous_week", "following_week", "choose_week", "show", "qr", "schedule_name")
_AUDIENCE_KEYS = ("everyone", "women", "men", "children", "youth", "families", "seniors")
_MORE = {
    "de": (("Kontakt", "Für: {who}", "Sprachen: {langs}", "Kalender", "abonnieren", "Link (https)",
            "herunterladen (.ics)", "Zum Inhalt springen", "Woche davor", "Woche danach", "Woche wählen", "Anzeigen",
            "Der Wochenplan online, in Ihrer Sprache:", "Wochenplan für Bewohner"),
           ("alle", "Frauen", "Männer", "Kinder", "Jugendliche", "Familien", "ältere Menschen")),
    "en": (("Contact", "For: {who}", "Languages: {langs}", "Calendar", "subscribe", "link (https)",
            "download (.ics)", "Skip to content", "Previous week", "Following week", "Choose a week", "Show",
            "The weekly schedule online, in your language:", "Weekly schedule for residents"),
           ("everyone", "women", "men", "children", "young people", "families", "older people")),
    "ar": (("للتواصل", "لـ: {who}", "اللغات: {langs}", "التقويم", "اشتراك", "رابط (https)", "تنزيل (.ics)",
            "انتقل إلى المحتوى", "الأسبوع السابق", "الأسبوع التالي", "اختر أسبوعًا", "عرض",
            "جدول الأسبوع على الإنترنت بلغتك:", "جدول الأسبوع للمقيمين"),
           ("الجميع", "النساء", "الرجال", "الأطفال", "الشباب", "العائلات", "كبار السن")),
    "fa": (("تماس", "برای: {who}", "زبان‌ها: {langs}", "تقویم", "اشتراک", "پیوند (https)", "دانلود (.ics)",
            "رفتن به محتوا", "هفته قبل", "هفته بعد", "انتخاب هفته", "نمایش",
            "برنامه هفته به‌صورت آنلاین، به زبان شما:", "برنامه هفته برای ساکنان"),
           ("همه", "زنان", "مردان", "کودکان", "نوجوانان", "خانواده‌ها", "سالمندان")),
    "uk": (("Контакт", "Для: {who}", "Мови: {langs}", "Календар", "підписатися", "посилання (https)",
            "завантажити (.ics)", "Перейти до змісту", "Попередній тиждень", "Наступний тиждень",
            "Вибрати тиждень", "Показати", "Розклад на тиждень онлайн вашою мовою:",
            "Розклад на тиждень для мешканців"),
           ("усі", "жінки", "чоловіки", "діти", "молодь", "сім’ї", "літні люди")),
    "tr": (("İletişim", "Kimler için: {who}", "Diller: {langs}", "Takvim", "abone ol", "bağlantı (https)",
            "indir (.ics)", "İçeriğe geç", "Önceki hafta", "Sonraki hafta", "Hafta seçin", "Göster",
            "Haftalık program çevrimiçi, kendi dilinizde:", "Sakinler için haftalık program"),
           ("herkes", "kadınlar", "erkekler", "çocuklar", "gençler", "aileler", "yaşlılar")),
    "ru": (("Контакт", "Для: {who}", "Языки: {langs}", "Календарь", "подписаться", "ссылка (https)",
            "скачать (.ics)", "Перейти к содержанию", "Предыдущая неделя", "Следующая неделя", "Выбрать неделю",
            "Показать", "Расписание на неделю онлайн на вашем языке:", "Расписание на неделю для жителей"),
           ("все", "женщины", "мужчины", "дети", "молодёжь", "семьи", "пожилые люди")),
    "fr": (("Contact", "Pour : {who}", "Langues : {langs}", "Calendrier", "s’abonner", "lien (https)",
            "télécharger (.ics)", "Aller au contenu", "Semaine précédente", "Semaine suivante",
            "Choisir une semaine", "Afficher", "Le programme de la semaine en ligne, dans votre langue :",
            "Programme de la semaine pour les résidents"),
           ("tout le monde", "femmes", "hommes", "enfants", "jeunes", "familles", "personnes âgées")),
}
for _lang in _LANGUAGES:
    _texts, _audiences = _MORE[_lang.code]
    assert len(_texts) == len(_MORE_KEYS) and len(_audiences) == len(_AUDIENCE_KEYS)
    _lang.texts.update(zip(_MORE_KEYS, _texts))
    _lang.audiences.update(zip(_AUDIENCE_KEYS, _audiences))

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _LANGUAGES}
DEFAULT = "de"


def language(code: str | None) -> Language:
    """The language of that code, German when unknown (a bad ?lang= never fails the page)."""
    return LANGUAGES.get((code or "").lower()[:2], LANGUAGES[DEFAULT])


def day_name(day: dt.date, code: str) -> str:
    """'Montag, 30. November' in the language's own form (Babel's CLDR data)."""
    return format_skeleton("MMMMEEEEd", day, locale=code)


def short_date(day: dt.date, code: str) -> str:
    return format_skeleton("MMMd", day, locale=code)


def language_name(spoken: str, code: str) -> str:
    """The name of a spoken language (ISO 639-1) in the reader's language, from CLDR."""
    return Locale.parse(code).languages.get(spoken, spoken)


def localized(original: str, translations: dict | None, part: str, code: str) -> tuple[str, str, str]:
    """What a reader of `code` sees of a title, name or description: (text, its language, its direction) – their
    own language where given, else the German original."""
    text = ((translations or {}).get(code) or {}).get(part)
    if text:
        return text, code, "rtl" if code in RTL else "ltr"
    return original, "de", "ltr"
