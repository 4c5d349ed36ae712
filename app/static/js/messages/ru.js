// @ts-check
// Русский. The same keys as en.js; a plural message lists every form
// Intl.PluralRules("ru") can choose: "one" (1, 21), "few" (2–4, 22), "many" (5–20, 25)
// and "other" (fractions). Past-tense verbs would need the person's gender, which
// we do not know, so sentences about someone else avoid them.
export default {
  "app.name": "Микроблог",
  "app.title": "{page} · Микроблог",

  // Each language is named in its own words, so anyone can find theirs.
  "language.label": "Язык",
  "language.en": "English",
  "language.ru": "Русский",

  "action.cancel": "Отмена",
  "action.close": "Закрыть",
  "action.retry": "Попробовать ещё раз",

  "nav.label": "Основное меню",
  "nav.skip": "Перейти к содержимому",
  "nav.home": "Лента",
  "nav.people": "Люди",
  "nav.profile": "Мой профиль",
  "nav.signOut": "Выйти",

  "signin.title": "Вход",
  "signin.help": "Вставьте личный API-ключ, который выдал вам администратор. Он хранится в этом браузере, пока вы не выйдете.",
  "signin.keyLabel": "Ваш API-ключ",
  "signin.submit": "Войти",
  "signin.empty": "Сначала вставьте API-ключ.",
  "signin.invalid": "Этот API-ключ не подходит. Проверьте, что вставили его целиком, или попросите у администратора новый.",
  "signin.expired": "Ваш API-ключ больше не действует. Войдите с действующим ключом.",
  "signin.failed": "Не удалось войти: {reason}",

  "unavailable.title": "Сервис не отвечает",
  "unavailable.text": "Не удалось связаться с микроблогом: {reason}",

  "error.network": "Сервис недоступен.",
  "error.status": "Сервис вернул неожиданную ошибку ({status}).",
  "error.aborted": "Загрузка отменена.",

  "list.loading": "Загрузка…",
  "list.failed": "Не удалось загрузить продолжение: {reason}",

  "time.justNow": "только что",
  "size.megabytes": "{size} МБ",

  "feed.title": "Лента",
  "feed.end": "Вы всё прочитали.",
  "feed.emptyTitle": "Ваша лента пуста",
  "feed.emptyText":
    "В ленте — ваши твиты и твиты коллег, на которых вы подписаны. Найдите, на кого подписаться, в списке людей или напишите первый твит выше.",
  "feed.findPeople": "Найти, на кого подписаться",

  "composer.label": "Новый твит",
  "composer.placeholder": "Что нового?",
  "composer.counter": "{used} / {max}",
  "composer.attach": "Добавить картинки",
  "composer.attached": "Прикреплённые картинки",
  "composer.dropHint": "или перетащите их сюда",
  "composer.post": "Опубликовать",
  "composer.remove": "Убрать {name}",
  "composer.uploading": "Загружается {name}",
  "composer.tooLong": {
    one: "Текст длиннее допустимого на {count} символ (максимум — {max}).",
    few: "Текст длиннее допустимого на {count} символа (максимум — {max}).",
    many: "Текст длиннее допустимого на {count} символов (максимум — {max}).",
    other: "Текст длиннее допустимого на {count} символа (максимум — {max}).",
  },
  "composer.tooMany": {
    one: "Можно прикрепить не больше {count} картинки.",
    few: "Можно прикрепить не больше {count} картинок.",
    many: "Можно прикрепить не больше {count} картинок.",
    other: "Можно прикрепить не больше {count} картинки.",
  },
  "composer.unsupported": "Файл {name} не подходит: нужна картинка JPEG, PNG, GIF или WebP.",
  "composer.tooLarge": "Файл {name} слишком большой: картинка может весить не больше {size}.",
  "composer.uploadFailed": "Не удалось прикрепить {name}: {reason}",
  "composer.uploadUnavailable": "Не удалось прикрепить {name} — сервис картинок не отвечает: {reason}",
  "composer.postFailed": "Твит не опубликован: {reason}",
  "composer.postUnavailable": "Твит не опубликован: {reason} Текст сохранён — попробуйте ещё раз чуть позже.",

  "tweet.by": "Автор твита: {name}",
  "tweet.pictureAlt": "Картинка {number} из {count}, автор твита: {author}",
  "tweet.openPicture": "Открыть картинку {number} из {count}",
  "tweet.delete": "Удалить твит",
  "tweet.deleteTitle": "Удалить этот твит?",
  "tweet.deleteQuestion": "Он исчезнет вместе с лайками и картинками. Это действие нельзя отменить.",
  "tweet.deleteConfirm": "Удалить",
  "tweet.deleted": "Твит удалён.",
  "tweet.deleteFailed": "Не удалось удалить твит: {reason}",
  "tweet.gone": "Этот твит удалён автором.",

  "likes.like": "Нравится",
  "likes.count": { one: "{count} лайк", few: "{count} лайка", many: "{count} лайков", other: "{count} лайка" },
  "likes.title": "Кому понравилось",
  "likes.more": "Показать ещё",
  "likes.failedLike": "Не удалось поставить лайк: {reason}",
  "likes.failedUnlike": "Не удалось убрать лайк: {reason}",

  "lightbox.title": "Картинка",
  "lightbox.previous": "Предыдущая картинка",
  "lightbox.next": "Следующая картинка",
  "lightbox.position": "{number} из {count}",

  "follow.follow": "Подписаться",
  "follow.unfollow": "Отписаться",
  "follow.followName": "Подписаться на {name}",
  "follow.unfollowName": "Отписаться от {name}",
  "follow.failedFollow": "Не удалось подписаться на {name}: {reason}",
  "follow.failedUnfollow": "Не удалось отписаться от {name}: {reason}",

  "people.title": "Люди",
  "people.searchLabel": "Поиск по имени",
  "people.searchPlaceholder": "Имя или его часть",
  "people.results": "Люди",
  "people.noMatch": "Никого не нашлось по запросу «{q}».",
  "people.nobody": "Здесь пока никого нет.",

  "profile.title": "Профиль",
  "profile.you": "Это вы",
  "profile.sections": "Разделы профиля",
  "profile.tweetsCount": { one: "{count} твит", few: "{count} твита", many: "{count} твитов", other: "{count} твита" },
  "profile.tweetsOf": "Твиты: {name}",
  "profile.tweetsEnd": "Это все твиты.",
  "profile.followersCount": {
    one: "{count} подписчик",
    few: "{count} подписчика",
    many: "{count} подписчиков",
    other: "{count} подписчика",
  },
  "profile.followingCount": { one: "{count} подписка", few: "{count} подписки", many: "{count} подписок", other: "{count} подписки" },
  "profile.noTweets": "{name}: пока ни одного твита.",
  "profile.noTweetsOwn": "Вы пока ничего не написали.",
  "profile.writeFirst": "Написать первый твит",
  "profile.followersOf": "Подписчики: {name}",
  "profile.followingOf": "Подписки: {name}",
  "profile.noFollowers": "Подписчиков пока нет.",
  "profile.noFollowing": "Подписок пока нет.",
  "profile.missing": "Такого профиля нет: возможно, его удалили или в адресе ошибка.",
  "profile.failed": "Не удалось загрузить профиль: {reason}",

  "notFound.title": "Страница не найдена",
  "notFound.text": "По этому адресу ничего нет.",
  "notFound.home": "Перейти в ленту",
};
