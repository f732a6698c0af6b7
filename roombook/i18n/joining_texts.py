"""The sign-up page's short introduction in the residents' languages (roombook.i18n.public_texts): many who
would like to help are language mediators and read it in their own language first. The form itself is in
the page's language (German or English, Flask-Babel)."""
from __future__ import annotations

from roombook.i18n.public_texts import LANGUAGES, Language

INTRO = {
    "de": "Sie möchten in den Gemeinschaftsunterkünften der Stadt helfen, etwa beim Deutschlernen, beim "
          "Übersetzen, mit Kindern oder in der Freizeit? Melden Sie sich hier an. Die Koordination der "
          "Wohlfahrtsverbände meldet sich bei Ihnen.",
    "en": "Would you like to help in the city's shared accommodations, for example with learning German, "
          "translating, with children or in leisure time? Sign up here. The coordinators of the welfare "
          "associations will get in touch with you.",
    "ar": "هل تودّ المساعدة في مراكز الإيواء المشتركة في المدينة، مثلًا في تعلّم اللغة الألمانية أو الترجمة أو مع "
          "الأطفال أو في أوقات الفراغ؟ سجّل هنا. سيتواصل معك فريق التنسيق في جمعيات الرعاية.",
    "fa": "می‌خواهید در اقامتگاه‌های مشترک شهر کمک کنید، مثلاً در یادگیری زبان آلمانی، ترجمه، همراهی با کودکان یا "
          "اوقات فراغت؟ اینجا ثبت‌نام کنید. هماهنگ‌کنندگان انجمن‌های خیریه با شما تماس می‌گیرند.",
    "uk": "Бажаєте допомагати в гуртожитках міста, наприклад з вивченням німецької, перекладом, з дітьми чи "
          "у вільний час? Зареєструйтеся тут. Координатори благодійних організацій зв’яжуться з вами.",
    "tr": "Şehrin ortak konaklama yerlerinde, örneğin Almanca öğrenmede, çeviride, çocuklarla ya da boş zaman "
          "etkinliklerinde yardım etmek ister misiniz? Buradan kaydolun. Yardım kuruluşlarının koordinatörleri "
          "sizinle iletişime geçecek.",
    "ru": "Хотите помогать в общежитиях города, например с изучением немецкого, переводом, с детьми или в "
          "свободное время? Зарегистрируйтесь здесь. Координаторы благотворительных организаций свяжутся с вами.",
    "fr": "Vous souhaitez aider dans les hébergements collectifs de la ville, par exemple pour apprendre "
          "l’allemand, traduire, avec des enfants ou pour les loisirs ? Inscrivez-vous ici. Les coordinateurs des "
          "associations caritatives vous contacteront.",
}
assert set(INTRO) == set(LANGUAGES)


def introductions(page_language: str) -> list[tuple[Language, str]]:
    """The introduction in every residents' language but the page's own (which the page shows itself)."""
    return [(lang, INTRO[code]) for code, lang in LANGUAGES.items() if code != page_language]
