"""The words `bench seed` writes with: office and engineering talk in Russian and
English, each word in several of its forms, stop words to hold them together,
hashtags, and people's names in both scripts.

Lemmas are ranked, most used first; seed draws a rank with a long tail
(bench/texts.py), then one of that lemma's forms, its dictionary form most often.
So a search for any form of a common lemma finds tens of thousands of posts and
one from the end of a list a hundred or two, as in a real company's chatter. The
order is what makes the tail: moving a line moves how often it is written.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Ranked:
    """Lists of words, the most used first, as seed's SQL takes them: every word in
    one array and, for each list (1-based, by rank), where its first word is and how
    many it has."""

    words: list[str]
    start: list[int]
    size: list[int]

    @classmethod
    def of(cls, lists: list[list[str]]) -> "Ranked":
        words: list[str] = []
        start, size = [], []
        for items in lists:
            start.append(len(words) + 1)
            size.append(len(items))
            words += items
        return cls(words, start, size)


def _words(text: str) -> list[str]:
    return text.split()


def _lemmas(text: str) -> list[list[str]]:
    """One lemma a line: its forms, the dictionary form first."""
    return [line.split() for line in text.strip().splitlines()]


RUSSIAN = _lemmas(
    """
задача задачи задачу задачей задаче задач задачами
команда команды команде команду командой команд
релиз релиза релизу релизом релизе релизы релизов
встреча встречи встречу встречей встрече встреч
проект проекта проекту проектом проекте проекты проектов
сегодня
вопрос вопроса вопросу вопросом вопросе вопросы вопросов
работа работы работе работу работой
клиент клиента клиенту клиентом клиенте клиенты клиентов
завтра
сделать сделал сделала сделали сделаем сделаю сделаешь
обновление обновления обновлению обновлением обновлении обновлений
сервис сервиса сервису сервисом сервисе сервисы сервисов
отчёт отчёта отчёту отчётом отчёте отчёты отчётов
неделя недели неделе неделю неделей недель
новый новая новое новые нового новую новых
версия версии версию версией версий
ошибка ошибки ошибку ошибкой ошибке ошибок
план плана плану планом плане планы планов
тест теста тесту тестом тесте тесты тестов
готовый готов готова готово готовы
код кода коду кодом коде
посмотреть посмотрел посмотрела посмотрели посмотрите посмотрим
сервер сервера серверу сервером сервере серверы серверов
пятница пятницы пятнице пятницу
коллега коллеги коллегам коллегами коллег коллегу
день дня дню днём дни дней
обед обеда обеду обедом обеде
результат результата результату результатом результате результаты результатов
идея идеи идею идеей идей
срок срока сроку сроком сроки сроков
дизайн дизайна дизайну дизайном дизайне
кофе
документ документа документу документом документе документы документов
пользователь пользователя пользователю пользователем пользователи пользователей
решение решения решению решением решении решений
запуск запуска запуску запуском запуске
продукт продукта продукту продуктом продукте продукты продуктов
доступ доступа доступу доступом доступе
помощь помощи помощью
проверить проверил проверила проверили проверим проверьте проверю
отправить отправил отправила отправили отправим отправлю отправьте
обсудить обсудил обсудила обсудили обсудим обсудите
исправить исправил исправила исправили исправим исправлю
утро утра утром
вечер вечера вечером вечеру
месяц месяца месяцу месяцем месяце месяцы месяцев
квартал квартала кварталу кварталом квартале кварталов
бюджет бюджета бюджету бюджетом бюджете бюджеты
презентация презентации презентацию презентацией презентаций
демо
офис офиса офису офисом офисе офисы
созвон созвона созвону созвоном созвоне созвоны
спринт спринта спринту спринтом спринте спринты спринтов
баг бага багу багом баге баги багов
фича фичи фичу фичей фич
деплой деплоя деплою деплоем деплое
ревью
статус статуса статусу статусом статусе статусы
сотрудник сотрудника сотруднику сотрудником сотрудники сотрудников
руководитель руководителя руководителю руководителем руководители
отдел отдела отделу отделом отделе отделы отделов
система системы системе систему системой систем
процесс процесса процессу процессом процессе процессы процессов
важный важная важное важные важно важного
быстрый быстрая быстро быстрые быстрого
хороший хорошая хорошее хорошие
большой большая большое большие больших
первый первая первое первые первого
следующий следующая следующее следующие следующей следующего
текущий текущая текущее текущие текущего
починить починил починила починили починим
написать написал написала написали напишу напишите напишем
прислать прислал прислала прислали пришлю пришлите
собрать собрал собрала собрали соберём соберу
начать начал начали начнём начну
закончить закончил закончила закончили закончим закончу
обновить обновил обновила обновили обновим обновлю
добавить добавил добавила добавили добавим добавлю добавьте
выкатить выкатил выкатили выкатим
запустить запустил запустила запустили запустим
согласовать согласовал согласовала согласовали согласуем согласовано
подготовить подготовил подготовила подготовили подготовим подготовлю
показать показал показала показали покажу покажем покажите
обсуждение обсуждения обсуждению обсуждением обсуждении обсуждений
изменение изменения изменению изменением изменении изменений
требование требования требованию требованием требований
задержка задержки задержку задержкой задержек
инцидент инцидента инциденту инцидентом инциденте инциденты инцидентов
мониторинг мониторинга мониторингу мониторингом мониторинге
база базы базе базу базой баз
таблица таблицы таблице таблицу таблицей таблиц
письмо письма письму письмом письме писем
чат чата чату чатом чате чаты
канал канала каналу каналом канале каналы каналов
ссылка ссылки ссылку ссылкой ссылке ссылок
страница страницы странице страницу страницей страниц
приложение приложения приложению приложением приложении приложений
интерфейс интерфейса интерфейсу интерфейсом интерфейсе
метрика метрики метрику метрикой метрик
график графика графику графиком графике графики графиков
нагрузка нагрузки нагрузку нагрузкой нагрузке
скорость скорости скоростью
качество качества качеству качеством качестве
цель цели целью целей целям
приоритет приоритета приоритету приоритетом приоритеты приоритетов
дедлайн дедлайна дедлайну дедлайном дедлайне дедлайны
оценка оценки оценку оценкой оценке оценок
договор договора договору договором договоре договоры договоров
заказчик заказчика заказчику заказчиком заказчике заказчики
партнёр партнёра партнёру партнёром партнёры партнёров
рынок рынка рынку рынком рынке
продажи продаж продажам продажами продажах
выручка выручки выручку выручкой
маркетинг маркетинга маркетингу маркетингом маркетинге
аналитика аналитики аналитику аналитикой
исследование исследования исследованию исследованием исследовании
опрос опроса опросу опросом опросе опросы
отзыв отзыва отзыву отзывом отзывы отзывов
поддержка поддержки поддержку поддержкой поддержке
обучение обучения обучению обучением обучении
курс курса курсу курсом курсе курсы курсов
конференция конференции конференцию конференцией конференций
доклад доклада докладу докладом докладе доклады докладов
праздник праздника празднику праздником празднике праздники
отпуск отпуска отпуску отпуском отпуске
больничный больничного больничном
удалёнка удалёнки удалёнку удалёнке
переговорка переговорки переговорку переговорке переговорок
понедельник понедельника понедельнику понедельником понедельнике
вторник вторника вторнику вторником вторнике
среда среды среде среду средой
четверг четверга четвергу четвергом четверге
пицца пиццы пиццу пиццей
торт торта торту тортом
кухня кухни кухне кухню кухней
парковка парковки парковку парковке
лифт лифта лифту лифтом лифте
принтер принтера принтеру принтером принтере
ноутбук ноутбука ноутбуку ноутбуком ноутбуке ноутбуки
монитор монитора монитору монитором мониторы
пароль пароля паролю паролем пароли паролей
аккаунт аккаунта аккаунту аккаунтом аккаунте аккаунты
безопасность безопасности безопасностью
уязвимость уязвимости уязвимостью уязвимостей
сертификат сертификата сертификату сертификатом сертификаты
домен домена домену доменом домене
сеть сети сетью сетей
кластер кластера кластеру кластером кластере кластеры
контейнер контейнера контейнеру контейнером контейнеры контейнеров
сборка сборки сборку сборкой сборке сборок
ветка ветки ветку веткой ветке веток
коммит коммита коммиту коммитом коммиты коммитов
репозиторий репозитория репозиторию репозиторием репозитории
библиотека библиотеки библиотеку библиотекой библиотек
зависимость зависимости зависимостью зависимостей
миграция миграции миграцию миграцией миграций
индекс индекса индексу индексом индексе индексы индексов
запрос запроса запросу запросом запросе запросы запросов
ответ ответа ответу ответом ответе ответы ответов
поиск поиска поиску поиском поиске
лента ленты ленте ленту лентой
уведомление уведомления уведомлению уведомлением уведомлений
профиль профиля профилю профилем профиле
логи логов логам логами
алерт алерта алерту алертом алерты алертов
дежурство дежурства дежурству дежурством дежурстве
откат отката откату откатом
хотфикс хотфикса хотфиксу хотфиксом хотфиксы
прототип прототипа прототипу прототипом прототипе
макет макета макету макетом макеты макетов
тестирование тестирования тестированию тестированием
автоматизация автоматизации автоматизацию автоматизацией
документация документации документацию документацией
архитектура архитектуры архитектуре архитектуру архитектурой
рефакторинг рефакторинга рефакторингу рефакторингом
производительность производительности производительностью
стабильность стабильности стабильностью
масштабирование масштабирования масштабированию масштабированием
интеграция интеграции интеграцию интеграцией интеграций
платформа платформы платформе платформу платформой
мобильный мобильная мобильное мобильные мобильного
бэкенд бэкенда бэкенду бэкендом бэкенде
фронтенд фронтенда фронтенду фронтендом фронтенде
разработчик разработчика разработчику разработчиком разработчики разработчиков
тестировщик тестировщика тестировщику тестировщиком тестировщики
дизайнер дизайнера дизайнеру дизайнером дизайнеры дизайнеров
менеджер менеджера менеджеру менеджером менеджеры менеджеров
директор директора директору директором директоре
стажёр стажёра стажёру стажёром стажёры стажёров
новичок новичка новичку новичком новички новичков
собеседование собеседования собеседованию собеседованием собеседований
вакансия вакансии вакансию вакансией вакансий
онбординг онбординга онбордингу онбордингом
ретро
планёрка планёрки планёрку планёркой планёрке
стендап стендапа стендапу стендапом стендапе
воркшоп воркшопа воркшопу воркшопом воркшопе
хакатон хакатона хакатону хакатоном хакатоне хакатоны
тимбилдинг тимбилдинга тимбилдингу тимбилдингом тимбилдинге
корпоратив корпоратива корпоративу корпоративом корпоративе
поздравлять поздравляем поздравляю поздравил поздравили
именинник именинника имениннику именинником
отличный отличная отличное отличные отлично
классный классная классное классные классно
сложный сложная сложное сложные сложно
срочный срочная срочное срочные срочно
старый старая старое старые старого
удобный удобная удобное удобные удобно
медленный медленная медленное медленные медленно
успешный успешная успешное успешные успешно
понятный понятная понятное понятные понятно
открытый открытая открытое открытые
закрытый закрытая закрытое закрытые
последний последняя последнее последние последнего
общий общая общее общие общего
внутренний внутренняя внутреннее внутренние внутреннего
внешний внешняя внешнее внешние внешнего
ежедневный ежедневная ежедневное ежедневные
еженедельный еженедельная еженедельное еженедельные
квартальный квартальная квартальное квартальные квартального
годовой годовая годовое годовые годового
регламент регламента регламенту регламентом регламенте
аудит аудита аудиту аудитом аудите
бухгалтерия бухгалтерии бухгалтерию бухгалтерией
командировка командировки командировку командировкой командировке командировок
инвентаризация инвентаризации инвентаризацию инвентаризацией
субподрядчик субподрядчика субподрядчику субподрядчиком субподрядчики
закупка закупки закупку закупкой закупке закупок
счёт счёта счёту счётом счёте счета счетов
налог налога налогу налогом налоги налогов
зарплата зарплаты зарплате зарплату зарплатой
премия премии премию премией премий
отчётность отчётности отчётностью
юрист юриста юристу юристом юристы юристов
лицензия лицензии лицензию лицензией лицензий
патент патента патенту патентом патенты
тендер тендера тендеру тендером тендере
смета сметы смете смету сметой
накладная накладной накладную накладные
склад склада складу складом складе склады
логистика логистики логистику логистикой
доставка доставки доставку доставкой доставке
курьер курьера курьеру курьером курьеры
бейдж бейджа бейджу бейджем бейджи
гардероб гардероба гардеробе
кондиционер кондиционера кондиционеру кондиционером кондиционеры
отопление отопления отоплению отоплением
уборка уборки уборку уборкой
ремонт ремонта ремонту ремонтом ремонте
переезд переезда переезду переездом переезде
стол стола столу столом столе столы столов
кресло кресла креслу креслом кресле кресел
проектор проектора проектору проектором проекторе
микрофон микрофона микрофону микрофоном микрофоны
наушники наушников наушниками наушниках
гарнитура гарнитуры гарнитуру гарнитурой
зарядка зарядки зарядку зарядкой
батарейка батарейки батарейку батарейкой батареек
бэкап бэкапа бэкапу бэкапом бэкапы бэкапов
репликация репликации репликацию репликацией
шардирование шардирования шардированию шардированием
кэш кэша кэшу кэшем кэше
очередь очереди очередью очередей
брокер брокера брокеру брокером брокеры
балансировщик балансировщика балансировщику балансировщиком
шлюз шлюза шлюзу шлюзом шлюзе
токен токена токену токеном токены токенов
шифрование шифрования шифрованию шифрованием
ключ ключа ключу ключом ключе ключи ключей
квота квоты квоте квоту квотой квот
лимит лимита лимиту лимитом лимиты лимитов
тариф тарифа тарифу тарифом тарифе тарифы
подписка подписки подписку подпиской подписке подписок
конверсия конверсии конверсию конверсией
воронка воронки воронку воронкой воронке
когорта когорты когорте когорту когортой когорт
сегмент сегмента сегменту сегментом сегменты сегментов
гипотеза гипотезы гипотезу гипотезой гипотез
эксперимент эксперимента эксперименту экспериментом эксперименты экспериментов
дашборд дашборда дашборду дашбордом дашборде дашборды
выгрузка выгрузки выгрузку выгрузкой выгрузок
импорт импорта импорту импортом импорте
экспорт экспорта экспорту экспортом экспорте
локализация локализации локализацию локализацией
перевод перевода переводу переводом переводе переводы
шрифт шрифта шрифту шрифтом шрифты шрифтов
иконка иконки иконку иконкой иконок
анимация анимации анимацию анимацией анимаций
палитра палитры палитру палитрой
юзабилити
интервью
персона персоны персону персоной персон
сценарий сценария сценарию сценарием сценарии сценариев
гайдлайн гайдлайна гайдлайну гайдлайны гайдлайнов
чеклист чеклиста чеклисту чеклистом чеклисты
шаблон шаблона шаблону шаблоном шаблоне шаблоны
глоссарий глоссария глоссарию глоссарием
регрессия регрессии регрессию регрессией
песочница песочницы песочнице песочницу
стенд стенда стенду стендом стенде стенды
окружение окружения окружению окружением окружении
конфиг конфига конфигу конфигом конфиге конфиги
секрет секрета секрету секретом секреты секретов
квитанция квитанции квитанцию квитанцией
аванс аванса авансу авансом
компенсация компенсации компенсацию компенсацией
страховка страховки страховку страховкой
спортзал спортзала спортзалу спортзале
йога йоги йогу йогой
велосипед велосипеда велосипеду велосипедом велосипеде
волонтёр волонтёра волонтёру волонтёром волонтёры волонтёров
субботник субботника субботнику субботником субботнике
архивация архивации архивацию архивацией
"""
)

ENGLISH = _lemmas(
    """
team teams
release releases released releasing
meeting meetings
today
question questions
work works worked working
customer customers
update updates updated updating
thanks thank thanked
service services
report reports reported reporting
week weeks weekly
new newer newest
version versions
bug bugs
plan plans planned planning
test tests tested testing
ready
code coded coding
look looks looked looking
server servers
Friday Fridays
colleague colleagues
day days
lunch lunches
need needs needed needing
result results
idea ideas
deadline deadlines
design designs designed designing
coffee
document documents documented
user users
fix fixes fixed fixing
launch launches launched launching
deploy deploys deployed deploying
product products
access accessed accessing
help helps helped helping
check checks checked checking
send sends sent sending
discuss discusses discussed discussing
morning mornings
month months monthly
quarter quarters quarterly
budget budgets budgeted
demo demos
office offices
call calls called calling
sprint sprints
feature features
outage outages
review reviews reviewed reviewing
status
manager managers
system systems
process processes processed processing
important
fast faster fastest
great
big bigger biggest
first
next
current
write writes wrote written writing
start starts started starting
finish finishes finished finishing
add adds added adding
ship ships shipped shipping
merge merges merged merging
prepare prepares prepared preparing
show shows showed shown showing
change changes changed changing
requirement requirements
delay delays delayed
incident incidents
monitoring
database databases
table tables
email emails emailed
chat chats
channel channels
link links linked
page pages
app apps
metric metrics
chart charts
load loads loaded loading
speed speeds
quality
goal goals
priority priorities
estimate estimates estimated
contract contracts
partner partners
market markets
sales
revenue
analytics
research researched
survey surveys
feedback
support supported supporting
training trainings
course courses
conference conferences
talk talks talked talking
holiday holidays
vacation vacations
remote
Monday Mondays
Tuesday
Wednesday
Thursday
pizza pizzas
cake cakes
kitchen kitchens
parking
elevator elevators
printer printers
laptop laptops
whiteboard whiteboards
password passwords
account accounts
security
vulnerability vulnerabilities
certificate certificates
domain domains
network networks
cluster clusters
container containers
build builds built
branch branches
commit commits committed
repository repositories
library libraries
dependency dependencies
migration migrations
index indexes indexed
query queries
answer answers answered
search searched searching
feed feeds
notification notifications
profile profiles
log logs logged
alert alerts alerted
rollback rollbacks
hotfix hotfixes
prototype prototypes
mockup mockups
automation
handbook handbooks
architecture
refactoring refactored
performance
stability
scaling
integration integrations
platform platforms
mobile
backend
frontend
analyst analysts
developer developers
tester testers
illustrator illustrators
director directors
trainee trainees
newcomer newcomers
interview interviews interviewed
hiring hired
onboarding
retro retros
standup standups
sync syncs synced
workshop workshops
hackathon hackathons
offsite
party parties
congratulations congrats
birthday birthdays
awesome
nice
hard harder
simple simpler
urgent urgently
old older
slow slower
successful successfully
clear clearly
open opened opening
closed closing
last
internal
external
daily
annual
compliance
audit audits audited
bookkeeping
trip trips
inventory
subcontractor subcontractors
procurement
invoice invoices invoiced
tax taxes
salary salaries
bonus bonuses
lawyer lawyers
license licenses licensed
patent patents
tender tenders
warehouse warehouses
logistics
delivery deliveries delivered
courier couriers
badge badges
wardrobe
heating
cleaning
renovation
relocation relocated
desk desks
chair chairs
projector projectors
microphone microphones
headphones
headset headsets
charger chargers
battery batteries
backup backups
replication
sharding
cache caches cached
queue queues queued
broker brokers
balancer balancers
proxy proxies
gateway gateways
token tokens
encryption encrypted
key keys
quota quotas
limit limits limited
pricing
subscription subscriptions
conversion conversions
funnel funnels
cohort cohorts
segment segments
hypothesis hypotheses
experiment experiments
dashboard dashboards
export exports exported
upload uploads uploaded
localization localized
translation translations translated
font fonts
icon icons
animation animations
palette palettes
usability
persona personas
scenario scenarios
guideline guidelines
checklist checklists
template templates
glossary
wiki
regression regressions
sandbox sandboxes
staging
environment environments
config configs
secret secrets
receipt receipts
reimbursement reimbursements
insurance
gym
yoga
bicycle bicycles
volunteer volunteers volunteered
cleanup
"""
)

# Between the content words, so a post reads like a sentence; search leaves them out.
RUSSIAN_STOP = _words(
    "и в на с по к у из за от для до о не но а что как это все уже ещё так же бы вот "
    "тоже очень мы я вы они он она наш наши всем там тут здесь после перед через при "
    "без под сейчас потом только если или чтобы когда где кто"
)
ENGLISH_STOP = _words(
    "the a an and to of in for on with at by from is are was we I you our it this that "
    "be will just so all now then only if or when where who about after before into "
    "your their there here very also still"
)
ENDINGS = [".", ".", ".", "!", "?", "", "", " 🎉", " 🚀", " 👍", " 🙏", " 🔥", " :)"]

# Most used first. Latin and Cyrillic, some with digits or an underscore; every one
# a hashtag by the app's rule (a letter, then letters, digits and _), lower-case.
HASHTAGS = (
    _words(
        """
    release релиз team команда devops офис q4_plan спасибо incident инцидент product
    продукт design дизайн backend frontend mobile api data данные analytics аналитика
    security безопасность infra инфраструктура oncall дежурство postmortem hotfix
    sales продажи marketing маркетинг support поддержка customers клиенты feedback
    отзывы hiring найм onboarding стажёры learning обучение roadmap планы okr
    q1_plan q2_plan q3_plan sprint_review retro ретро standup стендап demo демо
    lunch обед coffee кофе friday пятница fridayfun kudos thanks congrats поздравляем
    birthday деньрождения remote удалёнка wfh newoffice новыйофис parking парковка
    qa testing тестирование ci cicd monitoring мониторинг observability sre cloud
    kubernetes docker postgres redis kafka python golang typescript react ml ai
    performance производительность techdebt техдолг refactoring рефакторинг
    architecture архитектура rfc codereview migration миграция docs документация
    wiki opensource accessibility a11y i18n локализация design_system figma research
    исследование experiments эксперименты ab_test metrics метрики dashboards growth
    pricing budget бюджет finance финансы legal юристы compliance audit закупки
    бухгалтерия командировка relocation переезд travel путешествия meetup митап
    conference конференция talks доклад mentoring наставничество career карьера
    wellbeing здоровье sport спорт running бег football футбол chess шахматы
    bookclub книжныйклуб books книги music музыка photo фото volunteers волонтёры
    субботник корпоратив тимбилдинг allhands townhall итоги_года итоги_квартала
    планы_на_год shipit launch запуск beta бета mvp poc bugbash outage хакатон
    hackathon offsite demo_day релиз_2_0 новыйгод 8марта лето зима осень весна
    yoga йога bike велосипед kitchen кухня holiday праздник
    """
    )
    + [f"sprint{n}" for n in range(1, 41)]
    + [f"team_{name}" for name in _words("alpha bravo charlie delta echo foxtrot golf hotel")]
    + [f"команда_{name}" for name in _words("север юг восток запад марс луна орион вега")]
    + [f"проект_{name}" for name in _words("атлас феникс сокол байкал ладога кедр")]
)
# What is trending on the last days, one tuple a day, today first: a post of that day
# that carries hashtags takes one of these with the probabilities of TRENDING_SHARES.
TRENDING = (
    ("хакатон", "demo_day", "новыйофис"),
    ("allhands", "итоги_квартала", "релиз_2_0"),
    ("outage", "postmortem", "хакатон"),
)
TRENDING_SHARES = (0.3, 0.18, 0.1)

# People. Most people have a Russian name, written in Cyrillic or (in their profile,
# as in their passport) in Latin letters; some have an English one. Most common first.
RUSSIAN_WOMEN = [
    ("Анна", "Anna"),
    ("Мария", "Maria"),
    ("Елена", "Elena"),
    ("Ольга", "Olga"),
    ("Наталья", "Natalia"),
    ("Екатерина", "Ekaterina"),
    ("Татьяна", "Tatiana"),
    ("Ирина", "Irina"),
    ("Юлия", "Yulia"),
    ("Светлана", "Svetlana"),
    ("Анастасия", "Anastasia"),
    ("Дарья", "Daria"),
    ("Ксения", "Ksenia"),
    ("Алёна", "Alena"),
    ("Марина", "Marina"),
    ("Виктория", "Viktoria"),
    ("Полина", "Polina"),
    ("Алина", "Alina"),
    ("Софья", "Sofya"),
    ("Вера", "Vera"),
    ("Надежда", "Nadezhda"),
    ("Людмила", "Lyudmila"),
    ("Галина", "Galina"),
    ("Евгения", "Evgenia"),
    ("Кристина", "Kristina"),
    ("Валерия", "Valeria"),
    ("Ульяна", "Ulyana"),
    ("Жанна", "Zhanna"),
    ("Яна", "Yana"),
    ("Оксана", "Oksana"),
]
RUSSIAN_MEN = [
    ("Александр", "Alexander"),
    ("Дмитрий", "Dmitry"),
    ("Сергей", "Sergey"),
    ("Андрей", "Andrey"),
    ("Алексей", "Alexey"),
    ("Максим", "Maxim"),
    ("Иван", "Ivan"),
    ("Михаил", "Mikhail"),
    ("Артём", "Artyom"),
    ("Николай", "Nikolay"),
    ("Павел", "Pavel"),
    ("Владимир", "Vladimir"),
    ("Евгений", "Evgeny"),
    ("Денис", "Denis"),
    ("Игорь", "Igor"),
    ("Роман", "Roman"),
    ("Илья", "Ilya"),
    ("Кирилл", "Kirill"),
    ("Никита", "Nikita"),
    ("Антон", "Anton"),
    ("Олег", "Oleg"),
    ("Юрий", "Yuri"),
    ("Пётр", "Pyotr"),
    ("Фёдор", "Fyodor"),
    ("Семён", "Semyon"),
    ("Григорий", "Grigory"),
    ("Тимур", "Timur"),
    ("Глеб", "Gleb"),
    ("Егор", "Egor"),
    ("Вадим", "Vadim"),
]
# A man's form; a woman's is made from it (-ов → -ова, -ский → -ская).
RUSSIAN_SURNAMES = _words(
    """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров
Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев
Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев
Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв
Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов
Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров
Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов
Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов
Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов
Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров
Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров
Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев
Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров
Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов
Князев Цветков Левин Воронцов Аксёнов Мальцев Логинов Горшков Савин Краснов
Ковальский Вишневский Покровский Рождественский Садовский Яблонский Островский Полонский
"""
)
ENGLISH_NAMES = [
    ("Emily", "Эмили"),
    ("James", "Джеймс"),
    ("Emma", "Эмма"),
    ("John", "Джон"),
    ("Olivia", "Оливия"),
    ("Michael", "Майкл"),
    ("Sophie", "Софи"),
    ("David", "Дэвид"),
    ("Charlotte", "Шарлотта"),
    ("Robert", "Роберт"),
    ("Jessica", "Джессика"),
    ("William", "Уильям"),
    ("Sarah", "Сара"),
    ("Thomas", "Томас"),
    ("Laura", "Лора"),
    ("Daniel", "Дэниел"),
    ("Hannah", "Ханна"),
    ("Matthew", "Мэттью"),
    ("Lucy", "Люси"),
    ("Andrew", "Эндрю"),
    ("Kate", "Кейт"),
    ("Chris", "Крис"),
    ("Rachel", "Рэйчел"),
    ("Mark", "Марк"),
    ("Grace", "Грейс"),
    ("Paul", "Пол"),
    ("Alice", "Элис"),
    ("Peter", "Питер"),
    ("George", "Джордж"),
    ("Julia", "Джулия"),
]
ENGLISH_SURNAMES = [
    ("Smith", "Смит"),
    ("Johnson", "Джонсон"),
    ("Williams", "Уильямс"),
    ("Brown", "Браун"),
    ("Jones", "Джонс"),
    ("Miller", "Миллер"),
    ("Davis", "Дэвис"),
    ("Wilson", "Уилсон"),
    ("Taylor", "Тейлор"),
    ("Anderson", "Андерсон"),
    ("Moore", "Мур"),
    ("Martin", "Мартин"),
    ("Clark", "Кларк"),
    ("Walker", "Уокер"),
    ("Green", "Грин"),
    ("Baker", "Бейкер"),
    ("Hill", "Хилл"),
    ("Wright", "Райт"),
    ("King", "Кинг"),
    ("Scott", "Скотт"),
    ("Adams", "Адамс"),
    ("Turner", "Тёрнер"),
    ("Parker", "Паркер"),
    ("Evans", "Эванс"),
    ("Cooper", "Купер"),
    ("Ward", "Уорд"),
    ("Hughes", "Хьюз"),
    ("Wood", "Вуд"),
    ("Bennett", "Беннет"),
    ("Fisher", "Фишер"),
]

# As a Russian passport writes a name in Latin letters (ё as e, й as i, ь left out).
_PASSPORT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _words("a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia"),
        strict=True,
    )
)


def latin(name: str) -> str:
    """A Cyrillic name in Latin letters, as in a passport: Соловьёва → Soloveva."""
    letters = [_PASSPORT.get(c.lower(), c) for c in name]
    word = "".join("" if letter == "-" else letter for letter in letters)
    return word[:1].upper() + word[1:]


def woman(surname: str) -> str:
    """A Russian surname's form for a woman."""
    if surname.endswith("ий"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


@dataclass(frozen=True)
class Names:
    """Lists of names, each spelled in both scripts."""

    cyrillic: list[list[str]]
    latin: list[list[str]]


def _spelled(pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [cyrillic for cyrillic, _ in pairs], [latin for _, latin in pairs]


# Which lists a person's first and last names come from (3 kinds: Russian women,
# Russian men, English names). List 2k+1 holds kind k's first names, 2k+2 its surnames.
NAME_KINDS = 3


def names() -> Names:
    women_surnames = [(woman(s), latin(woman(s))) for s in RUSSIAN_SURNAMES]
    men_surnames = [(s, latin(s)) for s in RUSSIAN_SURNAMES]
    english = [(c, lat) for lat, c in ENGLISH_NAMES], [(c, lat) for lat, c in ENGLISH_SURNAMES]
    lists = [RUSSIAN_WOMEN, women_surnames, RUSSIAN_MEN, men_surnames, *english]
    spelled = [_spelled(pairs) for pairs in lists]
    return Names([c for c, _ in spelled], [lat for _, lat in spelled])
